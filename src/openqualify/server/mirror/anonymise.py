"""`--anonymise`: names, e-mails, person ids and free text replaced deterministically.

A pseudonym is a function of the original value alone (a keyed hash), so the same person gets the same name,
e-mail and person id in every table and on every run, and joins by e-mail or person id still hold. Ids of
records (offerings, users, ...) are kept: they are not personal, and keeping them is what makes a mirror useful.
"""

from __future__ import annotations

import hashlib

FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Rowan", "Harper",
         "Kai", "Ari", "Nikau", "Mere", "Tama", "Aroha", "Hana", "Leo", "Mia", "Noah", "Ruby", "Eli")  # fmt: skip
LAST = ("Smith", "Ngata", "Brown", "Wilson", "Taylor", "Walker", "Te Huia", "Chen", "Patel", "Singh", "Martin",
        "Parata", "King", "Young", "Hall", "Wood", "Clarke", "Tane", "Reid", "Hughes", "Kaur", "Lee")  # fmt: skip
WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
         "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua")  # fmt: skip


def _digest(kind: str, value: str) -> bytes:
    return hashlib.blake2b(f"{kind}\0{value}".encode(), digest_size=16, key=b"openqualify-mirror").digest()


class Pseudonyms:
    def email(self, email: str) -> str:
        return f"user-{_digest('email', email.strip().lower()).hex()[:12]}@example.invalid"

    def first_name(self, email: str) -> str:
        return FIRST[_digest("first", email.strip().lower())[0] % len(FIRST)]

    def last_name(self, email: str) -> str:
        return LAST[_digest("last", email.strip().lower())[0] % len(LAST)]

    def person_id(self, person_id: str) -> str:
        return f"P-{_digest('person', person_id).hex()[:10].upper()}"

    def text(self, text: str) -> str:
        """Free text of about the same length, the same for the same text."""
        if not text:
            return text
        seed = _digest("text", text)
        words: list[str] = []
        length = 0
        i = 0
        while length < len(text):
            word = WORDS[seed[i % len(seed)] % len(WORDS)]
            words.append(word)
            length += len(word) + 1
            i += 1
        return " ".join(words)[: max(len(text), 1)]
