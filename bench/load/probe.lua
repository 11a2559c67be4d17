-- Listing latency while another workload runs: listings of the BENCH_HOT
-- hottest articles, each connection pausing BENCH_PROBE_DELAY_MS between
-- requests so the probe itself adds little load.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(dir .. "lib.lua")
lib.install(_G)
local hot = lib.env_int("BENCH_HOT", 5)
local pause = lib.env_int("BENCH_PROBE_DELAY_MS", 10)

function delay()
  return pause
end

function request()
  return lib.get("/api/v1/articles/" .. lib.article(hot) .. "/comments")
end
