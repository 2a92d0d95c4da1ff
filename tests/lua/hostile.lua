-- Hostile values from a Lua script (issue 10, items 1 and 18): numbers where names belong, tables
-- that contain themselves, tables nested 100,000 deep, tables whose length claims 2^40 entries.
-- Each is an `invalid` error naming the argument or option, nothing is created, and handles keep
-- working. Run by tests/tests/lua_hostile_input.rs with DNT_SUFFIX (unique names), DNT_LABEL (the
-- test's label value) and DNT_NUMBER (a number no network is named after).

local suffix, tag = assert(os.getenv("DNT_SUFFIX")), assert(os.getenv("DNT_LABEL"))
local number = assert(math.tointeger(tonumber(os.getenv("DNT_NUMBER"))))
local labels = { ["dockernet.test"] = tag }
local checks = 0

local function check(cond, what) checks = checks + 1; if not cond then error("check failed: " .. what, 2) end end

-- Calls f(...) expecting an `invalid` DockerError whose message contains every needle.
local function invalid(needles, f, ...)
  local ok, err = pcall(f, ...)
  check(not ok, "expected an invalid error from a call with " .. select("#", ...) .. " arguments")
  check(type(err) == "table" and getmetatable(err).__name == "DockerError", "error is a DockerError table: " .. tostring(err))
  check(err.kind == "invalid", ("kind %s, expected invalid: %s"):format(err.kind, err.message))
  for _, n in ipairs(needles) do
    check(err.message:find(n, 1, true), ("message names %q: %s"):format(n, err.message))
  end
end

local function deep(n, leaf) local t = leaf for _ = 1, n do t = { t } end return t end

local made = {}
local ok, failure = pcall(function()
  local net = docker.network.create("dnt-hostile-" .. suffix, { labels = labels })
  made[#made + 1] = net
  local name, got = net.name, "got number " .. number

  -- Item 18: a number is never a name (it used to create a network called "<number>").
  invalid({ "network create: name must be a string, " .. got }, docker.network.create, number)
  invalid({ "network create: name must be a string, " .. got }, docker.network.create, number, { labels = labels })
  invalid({ "network create: name must be a string, got number 4.5" }, docker.network.create, 4.5)
  invalid({ "network create: name must be a string, got boolean true" }, docker.network.create, true)
  invalid({ "network inspect: network must be a string, " .. got }, docker.network.inspect, number)
  invalid({ "network get: network must be a string, " .. got }, docker.network.get, number)
  invalid({ "network connect: network must be a string, " .. got }, docker.network.connect, number, name)
  invalid({ "network connect: container must be a string, " .. got }, docker.network.connect, name, number)
  invalid({ "network disconnect: network must be a string, " .. got }, docker.network.disconnect, number, name)
  invalid({ "network disconnect: container must be a string, " .. got }, docker.network.disconnect, name, number)
  invalid({ "network containers: network must be a string, " .. got }, docker.network.containers, number)
  invalid({ "network rm: network must be a string, " .. got }, docker.network.rm, net, number)
  check(docker.network.get(name) == net, "rm(net, <number>) removed nothing: arguments are checked first")
  invalid({ "container get: container must be a string, " .. got }, docker.container.get, number)
  invalid({ "container inspect: container must be a string, " .. got }, docker.container.inspect, number)
  invalid({ "container stop: container must be a string, " .. got }, docker.container.stop, number)
  invalid({ "container rm: container must be a string, " .. got }, docker.container.rm, number)
  invalid({ "container exec: container must be a string, " .. got }, docker.container.exec, number, "true")
  invalid({ "container interfaces: container must be a string, " .. got }, docker.container.interfaces, number)
  invalid({ "command", "integer" }, docker.container.exec, "dnt-hostile-none-" .. suffix, number)
  invalid({ "docker.topology.load: path must be a string, " .. got }, docker.topology.load, number)
  invalid({ "docker.topology.destroy: name must be a string, " .. got }, docker.topology.destroy, number)
  invalid({ "docker.topology: expected a table, " .. got }, docker.topology, number)
  local topo = docker.topology { name = "dnt-hostile-t-" .. suffix, networks = { "front" } }
  invalid({ "topology graph: format must be a string, got number 5" }, topo.graph, topo, 5)
  check(topo:graph("mermaid"):find("front", 1, true), "a string format still draws")
  invalid({ "name must be a name or a handle, got a table without a string id" }, docker.network.create, { id = number })

  -- Handles are accepted wherever names are.
  check(docker.network.inspect(net).Name == name, "inspect takes a handle")
  check(docker.network.get(net) == net, "get takes a handle")
  check(#docker.network.containers(net) == 0, "containers takes a handle")
  check(#net:containers() == 0, "handle methods still work")

  -- Item 1: self-referencing, very deep and endless-looking tables, in options and topologies.
  local cyclic = {} cyclic.a = cyclic
  local bad = "dnt-hostile-bad-" .. suffix
  invalid({ ('network create "%s": option labels: recursive table detected'):format(bad) },
    docker.network.create, bad, { labels = cyclic })
  -- (Typed options stop at the first level that is not their shape; free-form ones read on.)
  invalid({ "option ipam_options.a", "expected a string" },
    docker.network.create, bad, { labels = labels, ipam_options = { a = deep(100000, "x") } })
  invalid({ "container run: option ports[0][0]", "nested more than 64 levels" },
    docker.container.run, { image = "dockernet-testbox:latest", name = bad, labels = labels, ports = deep(100000, "80") })
  invalid({ "option command[0]" },
    docker.container.run, { image = "dockernet-testbox:latest", name = bad, labels = labels, command = deep(100000, "sh") })
  invalid({ "command: option [0]" }, docker.container.exec, "dnt-hostile-none-" .. suffix, deep(100000, "sh"))
  invalid({ "topology: option nodes.a.ports", "nested more than 64 levels" },
    docker.topology, { name = "t", nodes = { a = { ports = deep(100000, "80") } } })
  invalid({ "topology: option labels", "recursive table detected" }, docker.topology, { name = "t", labels = cyclic })
  -- `#sparse` is 2^40 + 1 with 84 entries: read as a list it was a trillion nils (a hang).
  local sparse = { 1, 2 } local c = 1
  while c < (1 << 40) do c = c * 2; sparse[c] = 1; sparse[c + 1] = 1 end
  check(#sparse > (1 << 40), "the sparse table claims a huge length")
  invalid({ "option ports", "more than 1000000 entries" },
    docker.container.run, { image = "dockernet-testbox:latest", name = bad, labels = labels, ports = sparse })
  check(not pcall(docker.network.get, bad), "no refused network was created")
  check(not pcall(docker.container.get, bad), "no refused container was created")
  -- A topology nested as deep as a real one still loads.
  local t = docker.topology { name = "t", image = "dockernet-testbox:latest", networks = { front = {} },
    nodes = { a = { networks = { front = { aliases = { "www" } } }, env = { A = "1" } } } }
  check(t.name == "t", "an ordinary topology still loads")
end)

for i = #made, 1, -1 do pcall(docker.network.rm, made[i]) end
if not ok then error(failure, 0) end
print(("lua hostile input: %d checks passed"):format(checks))
