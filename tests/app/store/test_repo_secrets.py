"""The rotated refresh token in the store: encrypted, newest wins, a new seed starts over."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError
from app.store.db import make_sessionmaker
from app.store.models import StoredSecret
from app.store.repo_secrets import RefreshTokenStore

KEY = "a-secret-key-of-forty-characters-0123456"
SEED = "5Aep861seedTokenFromTheWebServerFlow"


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def test_no_key_refuses_to_store_anything(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(HandoffError, match="HANDOFF_SECRET_KEY"):
        RefreshTokenStore(sessions, None)


def test_the_newest_token_is_kept_encrypted_and_read_back(sessions: sessionmaker[Session]) -> None:
    store = RefreshTokenStore(sessions, KEY)
    assert store.current(SEED) == SEED  # nothing stored yet

    store.save(SEED, "5Aep861rotatedOnce")
    store.save(SEED, "5Aep861rotatedTwice")

    assert RefreshTokenStore(sessions, KEY).current(SEED) == "5Aep861rotatedTwice"
    with sessions() as session:
        row = session.scalars(select(StoredSecret)).one()
    assert "5Aep" not in row.ciphertext
    assert SEED not in row.seed_digest
    assert "5Aep" not in repr(store)


def test_a_new_seed_starts_a_new_chain(sessions: sessionmaker[Session]) -> None:
    store = RefreshTokenStore(sessions, KEY)
    store.save(SEED, "5Aep861rotatedOnce")

    assert store.current("5Aep861aNewAuthorisation") == "5Aep861aNewAuthorisation"


def test_a_changed_key_is_named_not_shown(sessions: sessionmaker[Session]) -> None:
    RefreshTokenStore(sessions, KEY).save(SEED, "5Aep861rotatedOnce")
    with sessions() as session:  # same digest key, other encryption key: a tampered row
        row = session.scalars(select(StoredSecret)).one()
        row.ciphertext = RefreshTokenStore(sessions, "x" * 40)._fernet.encrypt(b"t").decode()
        session.commit()

    with pytest.raises(HandoffError, match="cannot be decrypted") as caught:
        RefreshTokenStore(sessions, KEY).current(SEED)
    assert "5Aep" not in str(caught.value)
