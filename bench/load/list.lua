-- GET the first page of one of the BENCH_HOT most commented articles.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local hot = lib.env_int("BENCH_HOT", 20)

function request()
  return lib.get("/api/v1/articles/" .. lib.article(hot) .. "/comments")
end
