-- wrk script: each request carries the next of the tokens in the file named after "--", one per line.
-- Threads start at different offsets so that together they walk the whole set.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local tokens = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  i = math.floor(#tokens * (offset or 0) / 2)
end

function request()
  i = (i % #tokens) + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
