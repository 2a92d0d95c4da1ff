-- The "dockernet from Lua" contender: one `dockernet` process, a loop of calls timed inside the
-- runtime with docker.clock() (monotonic, seconds).
--
-- Run by bench/run.py as `dockernet bench/lua/worker.lua`. It reads one command per line on
-- stdin and answers one line: "OK cpu=NS ns ns …" (the batch's CPU time, then one wall-clock
-- duration per iteration, in nanoseconds) or "ERR message". Commands (the same as the floor's `serve` mode):
--   ping N | ls N | inspect N NAME | createrm N NAME SUBNET LABELKEY | conndisc N NET CTR | quit

local clock = docker.clock
local net = docker.network

local ops = {}

function ops.ping() docker.ping() end

function ops.ls() net.ls() end

function ops.inspect(name) net.inspect(name) end

function ops.createrm(name, subnet, label)
  local n = net.create(name, { subnet = subnet, labels = { [label] = "1" } })
  n:rm()
end

function ops.conndisc(network, ctr)
  net.connect(network, ctr)
  net.disconnect(network, ctr)
end

local function run(op, n, a, b, c)
  local samples = {}
  local cpu0 = os.clock() -- CPU time of the process (stock Lua: C clock())
  for i = 1, n do
    local t0 = clock()
    op(a, b, c)
    samples[i] = string.format("%d", math.floor((clock() - t0) * 1e9 + 0.5))
  end
  table.insert(samples, 1, string.format("cpu=%d", math.floor((os.clock() - cpu0) * 1e9 + 0.5)))
  return samples
end

for line in io.lines() do
  local words = {}
  for w in line:gmatch("%S+") do words[#words + 1] = w end
  local name, count = words[1], tonumber(words[2])
  if name == "quit" then break end
  local op = ops[name]
  if not op or not count then
    io.write("ERR unknown command: ", line, "\n")
  else
    local ok, res = pcall(run, op, count, words[3], words[4], words[5])
    if ok then
      io.write("OK ", table.concat(res, " "), "\n")
    else
      io.write("ERR ", (tostring(res):gsub("\n", " ")), "\n")
    end
  end
  io.stdout:flush()
end
