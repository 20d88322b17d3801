-- wrk script for bench/issue_tickets.py: POST /api/tickets as a kiosk, spreading services.
-- Reads ONESTOP_BENCH_KEY (the kiosk key) and ONESTOP_BENCH_SERVICES (comma-separated codes).

local key = os.getenv("ONESTOP_BENCH_KEY") or error("ONESTOP_BENCH_KEY is not set")
local listed = os.getenv("ONESTOP_BENCH_SERVICES") or error("ONESTOP_BENCH_SERVICES is not set")
local languages = {"pt", "en", "ar", "uk", "hi", "fr"}
local priorities = {"null", "null", "null", "null", "null", "null", "null", "\"elderly\""}

local services = {}
for code in string.gmatch(listed, "[^,]+") do
  services[#services + 1] = code
end

-- Every combination is built once; request() only walks the list. Built at load time, before
-- wrk would add its Host header: set here, as HTTP/1.1 requires (nginx refuses a request
-- without it, gunicorn does not).
local requests = {}
local headers = {
  ["Host"] = wrk.port and (wrk.host .. ":" .. wrk.port) or wrk.host,
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. key,
}
for i = 1, #services * #priorities do
  local body = string.format(
    '{"service": "%s", "language": "%s", "priority": %s, "mediator": %s}',
    services[(i - 1) % #services + 1],
    languages[(i - 1) % #languages + 1],
    priorities[(i - 1) % #priorities + 1],
    (i % 13 == 0) and "true" or "false"
  )
  requests[i] = wrk.format("POST", "/api/tickets", headers, body)
end

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
end

function init(args)
  counter = tonumber(offset) or 0
end

function request()
  counter = counter + 1
  return requests[counter % #requests + 1]
end
