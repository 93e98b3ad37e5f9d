"""Webhook signature checking (docs/api.md 14) against a vector computed independently
(``openssl dgst -sha256 -hmac whsec_test`` over "<t>.<body>")."""

from __future__ import annotations

import unittest

from keyward import SignatureVerificationError, construct_event, sign_payload

BODY = b'{"id":"evt_1","object":"event","type":"token.revoked"}'
T = 1706140800
MAC = "ff65a4728cbba90e202b393ecc9ed53eca24996d01430371f16af624f015cf3e"
HEADER = f"t={T},v1={MAC}"


class WebhookSignatureTest(unittest.TestCase):
    def test_the_contracts_scheme(self) -> None:
        self.assertEqual(sign_payload(BODY, "whsec_test", T), HEADER)
        self.assertEqual(construct_event(BODY, HEADER, "whsec_test", now=T + 10)["id"], "evt_1")

    def test_refusals(self) -> None:
        cases = [
            (BODY, None, "whsec_test", T),
            (BODY, "v1=abc", "whsec_test", T),
            (BODY, HEADER, "whsec_other", T),
            (BODY.replace(b"evt_1", b"evt_2"), HEADER, "whsec_test", T),
            (BODY, HEADER, "whsec_test", T + 301),
        ]
        for body, header, secret, now in cases:
            with self.subTest(header=header, secret=secret, now=now):
                with self.assertRaises(SignatureVerificationError) as cm:
                    construct_event(body, header, secret, now=now)
                self.assertEqual(cm.exception.status, 400)
                self.assertNotIn("whsec_", str(cm.exception))

    def test_any_of_several_signatures(self) -> None:
        header = f"t={T},v1={'0' * 64},v1={MAC}"
        self.assertEqual(construct_event(BODY, header, "whsec_test", now=T)["type"],
                         "token.revoked")


if __name__ == "__main__":
    unittest.main()
