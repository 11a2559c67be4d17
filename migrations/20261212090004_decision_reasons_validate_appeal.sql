-- Validated on its own (a scan that blocks no writes).
alter table comments validate constraint comments_appeal_note_length;
