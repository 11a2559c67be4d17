-- Shared by the wrk scripts of the load benchmark (loaded with dofile).
-- Every script sends an X-Forwarded-For of a client address (majlis runs
-- with 127.0.0.1 as its trusted proxy), so the per-client guards count
-- readers as a reverse proxy would show them; and counts answers by status
-- in every thread, printed as one RESULT line when wrk is done.

local M = {}

local AR = { "الحكومة", "القرار", "المواطنين", "الاقتصاد", "الأسعار", "المدينة", "التقرير",
  "السياسة", "المستقبل", "الشباب", "التعليم", "المستشفى", "شكرا", "على", "هذا", "المقال",
  "أتفق", "مع", "الكاتب", "لكن", "يجب", "أن", "نفكر", "في", "الحلول", "العملية", "الوضع",
  "صعب", "جدا", "نريد", "أفعالا", "حقيقية", "البلد", "تستحق", "الأفضل", "تحليل", "ممتاز",
  "أختلف", "معك", "الحقيقة", "المشكلة", "أكبر", "بكثير" }
local EN = { "the", "government", "decision", "citizens", "economy", "prices", "report",
  "policy", "future", "young", "people", "education", "hospital", "thanks", "for", "this",
  "article", "I", "agree", "with", "author", "but", "we", "should", "think", "about",
  "practical", "solutions", "situation", "is", "very", "hard", "want", "real", "action",
  "country", "deserves", "better", "analysis", "excellent", "disagree", "truth", "problem" }

M.thread_id = 0
M.counter = 0

-- Distinct per process run, thread and request.
local function nonce()
  M.counter = M.counter + 1
  return (os.getenv("BENCH_RUN") or "0") .. "-" .. M.thread_id .. "-" .. M.counter
end

-- A random IPv4 client address (16M of them; collisions are harmless).
function M.client_ip()
  return "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
end

-- 300 to 2,000 characters: Arabic, English or both, ending in a nonce so
-- that no two bodies share a fingerprint.
function M.body()
  local target = math.random(300, 2000)
  local kind = math.random(0, 2)
  local parts, len, i = {}, 0, 0
  local tail = " " .. nonce()
  while len + #tail < target do
    local pool = EN
    if kind == 0 or (kind == 2 and math.floor(i / 12) % 2 == 0) then pool = AR end
    local w = pool[math.random(#pool)]
    -- lengths in bytes run ahead of characters for Arabic: stops early, never late
    parts[#parts + 1] = w
    len = len + #w + 1
    i = i + 1
  end
  return table.concat(parts, " ") .. tail
end

function M.article(n)
  return "news/" .. math.random(1, n)
end

function M.env_int(name, default)
  return tonumber(os.getenv(name) or "") or default
end

function M.submission(article)
  local n = nonce()
  local name = "قارئ " .. n
  if math.random(2) == 1 then name = "Reader " .. n end
  local body = '{"article_id":"' .. article .. '","author_name":"' .. name ..
    '","author_email":"bench-' .. n .. '@example.org","body":"' .. M.body() .. '"}'
  return wrk.format("POST", "/api/v1/comments", {
    ["Content-Type"] = "application/json",
    ["Accept-Language"] = "en",
    ["X-Forwarded-For"] = M.client_ip(),
  }, body)
end

function M.get(path, headers)
  local h = headers or {}
  h["X-Forwarded-For"] = M.client_ip()
  return wrk.format("GET", path, h)
end

-- Status tallies across threads.
local threads = {}

function M.install(env)
  env.setup = function(thread)
    thread:set("thread_no", #threads + 1)
    threads[#threads + 1] = thread
  end
  env.init = function(args)
    M.thread_id = thread_no or 0
    -- two wrk processes started in the same second must not draw the same
    -- sequence: the run's nonce (distinct per process) goes into the seed
    local h = 0
    for c in (os.getenv("BENCH_RUN") or ""):gmatch(".") do h = (h * 31 + c:byte()) % 1000003 end
    math.randomseed(os.time() % 100000 * 1000003 + h * 64 + M.thread_id)
    statuses = {}
  end
  env.response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
  env.done = function(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
      local s = t:get("statuses")
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    end
    local codes = {}
    for k, v in pairs(total) do codes[#codes + 1] = '"' .. k .. '":' .. v end
    local e = summary.errors
    io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":{%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.timeout, table.concat(codes, ",")))
  end
end

return M
