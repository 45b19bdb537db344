"""Notifications: telling a customer what happened, through whatever channel an adapter offers."""
