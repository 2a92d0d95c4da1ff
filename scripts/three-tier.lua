#!/usr/bin/env dockernet
-- three-tier.lua — isolated tiers with two networks.
--
-- What it shows:
--   front (a bridge) and back (an *internal* bridge: no route out of the host);
--   web sits on both, db on back only, client on front only.
--   web reaches db (they share back, and Docker's DNS resolves db by name there);
--   client cannot reach db: they share no network, and Docker isolates bridges from each other.
-- All traffic stays between the containers this script creates. Everything is labelled
-- `dockernet.example=three-tier` and removed at the end, also when a step fails.
--
-- Run:   dockernet scripts/three-tier.lua [IMAGE]
--        (IMAGE defaults to dockernet-testbox:latest, built by scripts/dev/test-image.sh)

local image = arg and arg[1] or os.getenv("DOCKERNET_IMAGE") or "dockernet-testbox:latest"
local suffix = os.getenv("DOCKERNET_SUFFIX") or string.format("%d", os.time())
local labels = { ["dockernet.example"] = "three-tier" }
local function n(base) return base .. "-" .. suffix end

local made_nets, made_ctrs = {}, {}
local function cleanup()
  for i = #made_ctrs, 1, -1 do pcall(docker.container.rm, made_ctrs[i], { force = true }) end
  for i = #made_nets, 1, -1 do pcall(docker.network.rm, made_nets[i]) end
end

local function run(name, networks)
  local c = docker.container.run { image = image, name = n(name), labels = labels, networks = networks,
                                   command = { "sleep", "600" } }
  made_ctrs[#made_ctrs + 1] = c
  return c
end

-- One bounded ping: 1 packet, 2 s timeout.
local function reaches(from, target)
  return from:exec({ "ping", "-c", "1", "-W", "2", target }).exit_code == 0
end

local ok, err = pcall(function()
  local front = docker.network.create(n("front"), { labels = labels })
  made_nets[#made_nets + 1] = front
  local back = docker.network.create(n("back"), { internal = true, labels = labels })
  made_nets[#made_nets + 1] = back

  local db = run("db", { back.name })
  local web = run("web", { front.name, back.name })
  local client = run("client", { front.name })

  local db_ip
  for _, i in ipairs(db:interfaces()) do if i.network == back.name then db_ip = i.ipv4:match("^[^/]+") end end
  print(("db is %s on %s (internal)"):format(db_ip, back.name))

  local web_db = reaches(web, db.name)
  print(("web    -> db (by name): %s"):format(web_db and "reachable" or "UNREACHABLE"))
  local client_db = reaches(client, db_ip)
  print(("client -> db (%s): %s"):format(db_ip, client_db and "REACHABLE" or "unreachable"))
  assert(web_db, "web should reach db over the back network")
  assert(not client_db, "client must not reach db: they share no network")
  print("three tiers isolated as declared")
end)

cleanup()
if not ok then error(err, 0) end
