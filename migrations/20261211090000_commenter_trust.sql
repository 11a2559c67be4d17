-- Trust from history (issue 17): the SHA-256 of the returning-commenter
-- token the author's browser sent or was given with the comment. An
-- author's approved comments count towards trust only when they carry
-- the token the new comment carries, so typing someone else's email
-- gains nothing. Nullable, no default: no rewrite of the table.
alter table comments add column commenter_key bytea;
