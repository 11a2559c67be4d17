-- GET /api/v1/comment-counts for 10 random articles among BENCH_ARTICLES
-- (a front page showing counts under its headlines).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local articles = lib.env_int("BENCH_ARTICLES", 20000)

function request()
  local q = {}
  for i = 1, 10 do q[i] = "article_id=" .. lib.article(articles) end
  return lib.get("/api/v1/comment-counts?" .. table.concat(q, "&"))
end
