"""In-process stores: the same contract as SQL, with nothing to install."""
