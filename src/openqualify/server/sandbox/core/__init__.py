"""Sandbox control plane, core: courses and their versions, the organisation's clock, sent e-mails.

The contract cannot create courses or publish versions, and has no notion of a test clock; integrators
need both to build realistic scenarios.
"""
