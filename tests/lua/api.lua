-- The Lua API seen from a script: handles, error tables, option checking, require.
-- Run by tests/tests/lua_api.rs with DNT_SUFFIX (unique names), DNT_SUBNET (a free /24) and
-- DNT_LABEL (the test's label value). Every object made here is removed at the end, also on failure.

local suffix, subnet, tag = assert(os.getenv("DNT_SUFFIX")), assert(os.getenv("DNT_SUBNET")), assert(os.getenv("DNT_LABEL"))
local labels = { ["dockernet.test"] = tag }
local image = "dockernet-testbox:latest"
local checks = 0

local function check(cond, what) checks = checks + 1; if not cond then error("check failed: " .. what, 2) end end

-- Calls f(...) expecting a dockernet error of `kind` whose message contains every needle.
local function fails(kind, needles, f, ...)
  local ok, err = pcall(f, ...)
  check(not ok, "expected a " .. kind .. " error")
  check(type(err) == "table" and getmetatable(err).__name == "DockerError", "error is a DockerError table: " .. tostring(err))
  check(err.kind == kind, ("kind %s, expected %s: %s"):format(err.kind, kind, err.message))
  for _, n in ipairs(needles) do
    check(err.message:find(n, 1, true), ("message names %q: %s"):format(n, err.message))
  end
  check(tostring(err):find(err.message, 1, true) and tostring(err):find(kind, 1, true), "tostring has message and kind")
  return err
end

local made_nets, made_ctrs = {}, {}
local ok, failure = pcall(function()
  check(require("dockernet") == docker, "require returns the docker table")
  check(type(help) == "function", "help() is there for scripts too")

  local base = subnet:match("^(%d+%.%d+%.%d+)%.")
  local net = docker.network.create("dnt-lua-" .. suffix, { subnet = subnet, gateway = base .. ".1", labels = labels })
  made_nets[#made_nets + 1] = net
  check(tostring(net):match('^Network%(name="dnt%-lua%-.+", id="%x+", driver="bridge"%)$'), "handle prints readably: " .. tostring(net))
  check(net == docker.network.get(net.name), "handles compare by id")
  local doc = net:inspect()
  check(doc.Name == net.name and doc.IPAM.Config[1].Subnet == subnet, "inspect is the daemon document")
  check(doc.IPAM.Options ~= nil, "JSON null/empty kept as a value")

  local c = docker.container.run { image = image, name = "dnt-lua-c-" .. suffix, labels = labels, networks = { net.name } }
  made_ctrs[#made_ctrs + 1] = c
  check(tostring(c):match("^Container%(name=\"dnt%-lua%-c%-"), "container handle prints readably")
  local ex = c:exec({ "sh", "-c", "echo out; echo err >&2; exit 3" })
  check(ex.exit_code == 3 and ex.stdout == "out\n" and ex.stderr == "err\n", "exec gives exit code and both streams")

  -- The bad-input table, from Lua: kind and culprit in the message.
  fails("invalid", { "subnet", "10.0.0.0/33" }, docker.network.create, "dnt-lua-bad1-" .. suffix, { subnet = "10.0.0.0/33" })
  fails("invalid", { "ip_rnage" }, docker.network.create, "dnt-lua-bad2-" .. suffix, { ip_rnage = "10.0.0.0/24" })
  fails("invalid", { "internal", "boolean" }, docker.network.create, "dnt-lua-bad3-" .. suffix, { internal = "yes" })
  fails("invalid", { "options must be a table" }, docker.network.create, "dnt-lua-bad4-" .. suffix, "bridge")
  fails("invalid", { "name must not be empty" }, docker.network.create, "", {})
  fails("conflict", { net.name, "already exists" }, docker.network.create, net.name, { labels = labels })
  fails("conflict", { subnet }, docker.network.create, "dnt-lua-bad5-" .. suffix, { subnet = subnet })
  fails("forbidden", { "bridge" }, docker.network.rm, "bridge")
  fails("forbidden", { "bridge" }, docker.network.create, "bridge")
  fails("forbidden", { net.name }, docker.network.rm, net.name) -- in use
  fails("not_found", { "dnt-lua-missing-" .. suffix }, docker.network.inspect, "dnt-lua-missing-" .. suffix)
  fails("conflict", { "already connected" }, docker.network.connect, net, c)
  fails("invalid", { "ipv4", "10.99.0.5" }, docker.network.connect, "bridge", c, { ipv4 = "10.99.0.5" })
  fails("invalid", { "aliases" }, docker.network.connect, net, c, { aliases = 5 })
  fails("invalid", { "unknown field", "alias" }, docker.network.connect, net, c, { alias = "www" })
  fails("conflict", { "not connected" }, docker.network.disconnect, "bridge", c)
  fails("not_found", { "dnt-lua-nobody-" .. suffix }, docker.network.disconnect, net, "dnt-lua-nobody-" .. suffix)
  fails("not_found", { "dnt-no-such-image" }, docker.container.run, { image = "dnt-no-such-image:1", name = "dnt-lua-img-" .. suffix })
  fails("invalid", { "image" }, docker.container.run, { name = "dnt-lua-noimg-" .. suffix })
  fails("invalid", { "netwroks" }, docker.container.run, { image = image, netwroks = { net.name } })
  fails("invalid", { "filter", "bogus" }, docker.network.ls, { filters = { bogus = "x" } })
  fails("invalid", { "network is required" }, docker.network.inspect)
  check(not pcall(docker.container.get, "dnt-lua-img-" .. suffix), "a failed run leaves no container")

  -- rm of several: the good ones go, the first failure is raised.
  local extra = docker.network.create("dnt-lua-x-" .. suffix, { labels = labels })
  local err = fails("not_found", { "dnt-lua-gone-" .. suffix }, docker.network.rm, extra, "dnt-lua-gone-" .. suffix)
  check(not pcall(docker.network.get, extra.name), "rm carried on past the failure")

  -- A misspelt name says which name was meant, instead of "attempt to call a nil value".
  fails("invalid", { "no docker.network.inpsect; did you mean docker.network.inspect?" }, function() return docker.network.inpsect(net) end)
  fails("invalid", { "no docker.contanier; did you mean docker.container?" }, function() return docker.contanier.ls() end)
  fails("invalid", { "no Network:conect; did you mean Network:connect?" }, function() return net:conect(c) end)
  fails("invalid", { "no Container:exce; did you mean Container:exec?" }, function() return c:exce("true") end)
  fails("invalid", { "no docker.network.frobnicate (there are: connect, containers, create" }, function() return docker.network.frobnicate end)
  fails("invalid", { "no docker.topology.lod; did you mean docker.topology.load?" }, function() return docker.topology.lod("x.yaml") end)
  local topo = docker.topology { name = "dnt-lua-typo-" .. suffix, networks = { n = {} }, nodes = { a = { image = image, networks = { "n" } } } }
  fails("invalid", { "no Topology:aply; did you mean Topology:apply?" }, function() return topo:aply() end)
  check(topo.name == "dnt-lua-typo-" .. suffix, "a Topology keeps its fields")
  check(net.warning == nil, "an optional handle field is nil, not an error")
  -- print / tostring of a list shows its items (as the REPL does), not `InterfaceList: 0x…`.
  local listed = tostring(docker.network.ls { filters = { name = net.name } })
  check(listed:find("NETWORK ID", 1, true) and listed:find(net.name, 1, true), "a NetworkList prints as a table: " .. listed)
  local ifs = tostring(c:interfaces())
  check(ifs:find(net.name, 1, true) and not ifs:find("0x", 1, true), "an InterfaceList prints its interfaces: " .. ifs)
  check(tostring(net:containers()):find(c.name, 1, true), "a ContainerList prints its containers")
  -- rm returns names: a handle's :rm() its name, docker.network.rm the list of names (a handle by name).
  local y = docker.network.create("dnt-lua-y-" .. suffix, { labels = labels })
  made_nets[#made_nets + 1] = y
  check(y:rm() == y.name, "net:rm() returns the network's name")
  local z = docker.network.create("dnt-lua-z-" .. suffix, { labels = labels })
  made_nets[#made_nets + 1] = z
  local removed = docker.network.rm(z)
  check(#removed == 1 and removed[1] == z.name, "docker.network.rm(handle) returns its name")
  local c2 = docker.container.run { image = image, name = "dnt-lua-c2-" .. suffix, labels = labels, command = "sleep 60" }
  made_ctrs[#made_ctrs + 1] = c2
  check(c2:rm { force = true } == c2.name, "c:rm() returns the container's name")
end)

for i = #made_ctrs, 1, -1 do pcall(docker.container.rm, made_ctrs[i], { force = true }) end
for i = #made_nets, 1, -1 do pcall(docker.network.rm, made_nets[i]) end
if not ok then error(failure, 0) end
print(("lua api: %d checks passed"):format(checks))
