"""The recording, contract-checking proxy to an iQualify API (`openqualify proxy`, docs/proxy.md).

Needs `pip install 'openqualify[proxy]'`; nothing of the server. `app.ProxyApp` is a plain ASGI application.
"""
