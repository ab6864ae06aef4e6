"""The sandbox's request journal: the last requests of each organisation, as WireMock and LocalStack keep them."""
