-- GET the moderation queue (pending, newest first) as a signed-in
-- moderator (BENCH_TOKEN, from a real login).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local token = os.getenv("BENCH_TOKEN") or ""

function request()
  return lib.get("/api/v1/moderation/comments?status=pending", { ["Authorization"] = "Bearer " .. token })
end
