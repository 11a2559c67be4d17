-- POST /api/v1/comments: every request a new comment (unique body, email
-- and client address) to a random article among BENCH_ARTICLES.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local articles = lib.env_int("BENCH_ARTICLES", 20000)

function request()
  return lib.submission(lib.article(articles))
end
