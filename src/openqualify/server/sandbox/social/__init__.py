"""Sandbox control plane, social: posts, comments and replies in talk channels, and their moderation.

The contract only reads channel content (`/analytics/channels/...`); these endpoints write it, so that an
integration can be tested against realistic conversations.
"""
