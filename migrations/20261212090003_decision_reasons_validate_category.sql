-- Validated on its own (a scan that blocks no writes).
alter table comments validate constraint comments_decision_category_check;
