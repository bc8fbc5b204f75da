-- wrk script: POST /v1/tickets with a valid lantern.ticket/1 body and a unique Idempotency-Key per
-- request (the key is also the ticket's idempotency_key, as the relay requires). Counts 201s per
-- thread; done() prints them with the latency percentiles as one JSON line for run.sh.
-- WRK_PATH=/v1/bench/noop sends the same requests to the no-op route instead.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local path = os.getenv("WRK_PATH") or "/v1/tickets"
local prefix, counter, now, hour_ago = "", 0, "", ""
created, other = 0, 0

function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
  -- 16 hex digits of thread + randomness, then a 16-digit counter: 32 hex digits, unique per run.
  prefix = string.format("%04x%06x%06x", id, math.random(0, 0xFFFFFF), math.random(0, 0xFFFFFF))
  now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  hour_ago = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 3600)
end

local template = '{"schema":"lantern.ticket/1","idempotency_key":"%s","created_at":"%s","language":"zh-CN",' ..
  '"category":"withdrawal-not-received","form_version":1,"fields":{"coin":"USDT","chain":"tron","status":"completed",' ..
  '"txid":"%s%s","address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","amount":"1250.5",' ..
  '"time":{"at":"%s","approximate":true},"description":"提币显示已完成，但对方平台说没有收到。"},' ..
  '"attachments":[],"client":{"name":"wrk","version":"0","bundle":"x"}}'

function request()
  counter = counter + 1
  local k = prefix .. string.format("%016x", counter)
  local body = string.format(template, k, now, k, k, hour_ago)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Idempotency-Key"] = k }, body)
end

function response(status, headers, body)
  if status == 201 or (status == 200 and path ~= "/v1/tickets") then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("created")
    bad = bad + t:get("other")
  end
  io.write(string.format('RESULT {"ok":%d,"other":%d,"seconds":%.3f,"errors":%d,"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    ok, bad, summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
