"""The organisations use cases and the ports they need."""
