from tests.conftest import Api
from tests.server.event_hub.conftest import Receiver, configure, deliveries, feed


def test_user_created_is_delivered(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    response = api.post("/users", json={"email": "ada@example.com", "firstName": "Ada", "lastName": "L"})
    assert response.status_code == 201
    got = receiver.wait_for(1)
    print(got)
    assert got[0]["type"] == "user.created"
    print(receiver.received[0].verified_with, receiver.received[0].headers)
    print(feed(api))
    print(deliveries(api))
