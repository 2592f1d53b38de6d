# Joins the Deno ENet server (examples/godot/server.ts) with Godot 3's NetworkedMultiplayerENet,
# sends a greeting and prints everything the server sends back.
#
# The port is 7000 unless given as a user argument (`-- --port=N`) or in GODOT_EXAMPLE_PORT.
# With `--quit-after-echo` the client leaves once the server has echoed its greeting.
extends Node

const ADDRESS = "127.0.0.1"
const DEFAULT_PORT = 7000

var peer = NetworkedMultiplayerENet.new()
var quit_after_echo = false


func _ready():
	var port = DEFAULT_PORT
	if OS.has_environment("GODOT_EXAMPLE_PORT"):
		port = int(OS.get_environment("GODOT_EXAMPLE_PORT"))
	for arg in OS.get_cmdline_args():
		if arg.begins_with("--port="):
			port = int(arg.substr(7))
		elif arg == "--quit-after-echo":
			quit_after_echo = true
	peer.connect("connection_succeeded", self, "_on_connected")
	peer.connect("connection_failed", self, "_on_connection_failed")
	peer.connect("server_disconnected", self, "_on_server_disconnected")
	var err = peer.create_client(ADDRESS, port)
	if err != OK:
		print("cannot create the ENet client: error ", err)
		get_tree().quit(1)
		return
	print("connecting to %s:%d" % [ADDRESS, port])


func _process(_delta):
	if peer.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED:
		return
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var value = peer.get_var()
		print("received from %d: %s" % [from, to_json(value)])
		if typeof(value) == TYPE_DICTIONARY and value.has("echo") and quit_after_echo:
			peer.close_connection()
			get_tree().quit(0)


func _on_connected():
	print("connected as %d" % peer.get_unique_id())
	peer.set_target_peer(1)
	peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
	peer.put_var({"hello": "from Godot", "godot": Engine.get_version_info().string})


func _on_connection_failed():
	print("connection failed")
	get_tree().quit(2)


func _on_server_disconnected():
	print("server disconnected")
	get_tree().quit(3)
