-- wrk script for benchmarks/e2e-dpop.sh: each request carries the DPoP-bound token (the file args[1]) and the next
-- unused DPoP proof (the file args[2], one per line, pre-signed by DpopEndToEndServer: wrk cannot sign them).
-- A proof is accepted once (RFC 9449 section 11.1), so with args[3] threads, thread k takes proofs k+1, k+1+n, ...
-- When its share runs out it sends its last proof again, which the server refuses as a replay: the run's non-2xx
-- count then says so, and E2E_DPOP_PROOFS must be raised.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file = io.open(args[1])
  token = file:read("*l")
  file:close()
  local threads = tonumber(args[3])
  proofs = {}
  local n = 0
  for line in io.lines(args[2]) do
    if #line > 0 then
      if n % threads == id then
        proofs[#proofs + 1] = line
      end
      n = n + 1
    end
  end
  i = 0
end

function request()
  if i < #proofs then
    i = i + 1
  end
  return wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = proofs[i] })
end
