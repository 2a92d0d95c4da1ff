#!/usr/bin/env dockernet
-- seed-walkthrough.lua — the notes dockernet grew from, end to end, as a script.
--
-- What it shows:
--   1. `network ls`: every daemon has bridge, host and none;
--   2. `network create --driver bridge`: a user-defined bridge network;
--   3. a container started on the default bridge;
--   4. `network connect`: a new interface (eth1) appears inside the container, like a NIC plugged in;
--   5. `network disconnect`: the interface vanishes again;
--   6. `network inspect`, then `rm` of the container and the network.
-- Everything it creates is labelled `dockernet.example=seed-walkthrough` and removed at the end,
-- also when a step fails.
--
-- Run:   dockernet scripts/seed-walkthrough.lua [IMAGE]
--        (IMAGE defaults to the local test image dockernet-testbox:latest, built by
--         scripts/dev/test-image.sh; dockernet never pulls images)

local image = arg and arg[1] or os.getenv("DOCKERNET_IMAGE") or "dockernet-testbox:latest"
local suffix = os.getenv("DOCKERNET_SUFFIX") or string.format("%d", os.time())
local labels = { ["dockernet.example"] = "seed-walkthrough" }
local net_name, ctr_name = "seed-net-" .. suffix, "seed-ctr-" .. suffix

local function step(title) print(("\n== %s"):format(title)) end

local function names(ifaces)
  local out = {}
  for _, i in ipairs(ifaces) do out[#out + 1] = (i.ifname or "?") .. "@" .. i.network end
  return table.concat(out, " ")
end

local net, ctr
local function cleanup()
  if ctr then pcall(docker.container.rm, ctr, { force = true }) end
  if net then pcall(docker.network.rm, net) end
end

local ok, err = pcall(function()
  step("1. docker network ls: the three default networks")
  local builtin = docker.network.ls { filters = { type = "builtin" } }
  for _, n in ipairs(builtin) do print(("%-12s %-8s %s"):format(n.Id:sub(1, 12), n.Name, n.Driver)) end
  local seen = {}
  for _, n in ipairs(builtin) do seen[n.Name] = true end
  assert(seen.bridge and seen.host and seen.none, "bridge, host and none should exist")

  step("2. docker network create --driver bridge " .. net_name)
  net = docker.network.create(net_name, { driver = "bridge", labels = labels })
  print(net)

  step("3. a container on the default bridge")
  ctr = docker.container.run { image = image, name = ctr_name, labels = labels, command = { "sleep", "600" } }
  print(ctr, "interfaces:", names(ctr:interfaces()))

  step("4. docker network connect " .. net_name .. " " .. ctr_name)
  net:connect(ctr)
  local after = ctr:interfaces()
  print("interfaces:", names(after))
  local added
  for _, i in ipairs(after) do if i.network == net_name then added = i end end
  assert(added and added.ifname, "the new network should show up as an interface")
  print(("connect: %s appeared with %s"):format(added.ifname, added.ipv4))
  local ifconfig = ctr:exec("ifconfig " .. added.ifname)
  assert(ifconfig.exit_code == 0, "ifconfig " .. added.ifname .. " should succeed inside the container")
  io.write(ifconfig.stdout)

  step("5. docker network disconnect " .. net_name .. " " .. ctr_name)
  net:disconnect(ctr)
  local gone = ctr:exec("ifconfig " .. added.ifname)
  assert(gone.exit_code ~= 0, added.ifname .. " should be gone after disconnect")
  print(("disconnect: %s gone; interfaces: %s"):format(added.ifname, names(ctr:interfaces())))

  step("6. docker network inspect " .. net_name)
  local doc = net:inspect()
  print(("Name=%s Driver=%s Subnet=%s Containers=%d"):format(
    doc.Name, doc.Driver, doc.IPAM.Config[1].Subnet, #(function() local t = {} for k in pairs(doc.Containers) do t[#t + 1] = k end return t end)()))

  step("7. docker rm / docker network rm")
  ctr:rm { force = true }; ctr = nil
  net:rm(); net = nil
  print("removed " .. ctr_name .. " and " .. net_name)
end)

cleanup()
if not ok then error(err, 0) end
print("\nwalkthrough complete")
