"""Previews of the notifications: sample states and the terminal rendering of Slack messages."""
