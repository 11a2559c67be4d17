-- When the author withdrew the comment (it is `rejected` then, as before).
-- A withdrawal is nobody's judgement of the author: the distrust rule
-- (recent rejections hold an author) leaves withdrawn comments out.
-- A nullable column without a default: no table rewrite.
alter table comments add column withdrawn_at timestamptz;
