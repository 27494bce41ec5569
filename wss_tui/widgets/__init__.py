"""Reusable widgets of the To Do app."""
