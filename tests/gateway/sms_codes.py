"""A verification code asked for through the portal and read from its event."""
from services.common import contracts as c
from tests.accounts.helpers import csrf_token
from tests.support.events import listen_events


def ask_code(client, config, phone, purpose="register", **extra):
    with listen_events(config["AMQP_URI"], c.ACCOUNTS, c.SMS_REQUESTED) as events:
        response = client.post(
            "/sms-code",
            json={"purpose": purpose, "contact_phone": phone, **extra},
            headers={"X-CSRF-Token": csrf_token(client)},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        [envelope] = events.wait(1, where=lambda e: e["data"]["phone"] == phone)
    return response.get_json(), envelope["data"]["params"]["code"]
