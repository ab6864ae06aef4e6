"""The admin commands (serve, org, db): they run the server's code, which only `openqualify[server]` installs.

One module per command or group, each with `register(root)`; `openqualify.cli.main` lists them. Nothing here
imports the server at module level, so the base install (SDK and API commands) still has a working
`openqualify` command; an admin command without the server says how to install it in one line.
"""
