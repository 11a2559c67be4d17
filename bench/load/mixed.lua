-- 90% listings of the BENCH_HOT hottest articles, 10% new comments to
-- them: every submission invalidates what the listings read.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local hot = lib.env_int("BENCH_HOT", 5)

function request()
  local article = lib.article(hot)
  if math.random(10) == 1 then
    return lib.submission(article)
  end
  return lib.get("/api/v1/articles/" .. article .. "/comments")
end
