-- What guards the sign-in, shared by every node (store/sign_in.rs): failed sign-ins per
-- login and the single-use nonces of the sign-in form.
CREATE TABLE sign_in_failures (
    login    TEXT   PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);
CREATE TABLE sign_in_nonces (
    nonce     TEXT   PRIMARY KEY,
    issued_at BIGINT NOT NULL,
    used      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_nonces_issued ON sign_in_nonces (issued_at);
