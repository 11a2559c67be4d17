-- Reasons a regulator can read (issue 17): every decision that removes or
-- holds a comment carries a category from a fixed list, on its audit
-- event and, for the latest moderator decision, on the comment (exports
-- carry it); an author may appeal a rejection once; readers act in the
-- audit log (their reports). Constraints on the big tables are added
-- `not valid` and validated in the next file.
alter table audit_events add column reason_category text;
alter table audit_events add constraint audit_events_reason_category_check
    check (reason_category in ('spam', 'abuse', 'hate', 'off_topic', 'misinformation',
                               'personal_data', 'legal', 'other')) not valid;
alter table audit_events drop constraint audit_events_actor_check;
alter table audit_events add constraint audit_events_actor_check
    check (actor in ('system', 'moderator', 'author', 'reader')) not valid;

-- The latest moderator decision on the comment: its category (null for
-- an approval), its free text and when; an author's appeal of it.
alter table comments add column decision_category text;
alter table comments add column decision_reason text;
alter table comments add column decided_at timestamptz;
alter table comments add column appealed_at timestamptz;
alter table comments add column appeal_note text;
alter table comments add constraint comments_decision_category_check
    check (decision_category in ('spam', 'abuse', 'hate', 'off_topic', 'misinformation',
                                 'personal_data', 'legal', 'other')) not valid;
alter table comments add constraint comments_appeal_note_length
    check (char_length(appeal_note) <= 500) not valid;

-- An erasure forgets the free text moderators wrote about a person's
-- comments; nothing else in the log ever changes.
create or replace function audit_events_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and new.reason is null
       and (new.id, new.at, new.actor, new.moderator_id, new.action, new.comment_id,
            new.old_status, new.new_status, new.details, new.reason_category)
           is not distinct from
           (old.id, old.at, old.actor, old.moderator_id, old.action, old.comment_id,
            old.old_status, old.new_status, old.details, old.reason_category) then
        return new;
    end if;
    raise exception 'audit_events is append-only';
end;
$$;
