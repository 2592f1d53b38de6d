extends SceneTree

# One side of a compressed NetworkedMultiplayerENet session. config.txt next to the project
# holds "<server|client> <compression mode> <port> <packet count>". The client sends <count>
# reliable packets of assorted content to the server, one per frame; the server echoes each
# one back; the client checks every echo and prints "done <count>". The server prints "done"
# once the client has disconnected. Both give up after 20 seconds.

var peer = NetworkedMultiplayerENet.new()
var role = ""
var count = 0
var sent = 0
var received = 0
var connected = false
var elapsed = 0.0

func _init():
	var f = File.new()
	f.open(ProjectSettings.globalize_path("res://config.txt"), File.READ)
	var parts = f.get_as_text().split(" ", false)
	f.close()
	role = parts[0]
	count = int(parts[3])
	peer.compression_mode = int(parts[1])
	var err
	if role == "server":
		err = peer.create_server(int(parts[2]), 4)
		peer.connect("peer_disconnected", self, "_on_peer_disconnected")
	else:
		err = peer.create_client("127.0.0.1", int(parts[2]))
		peer.connect("connection_succeeded", self, "_on_connected")
		peer.connect("connection_failed", self, "_on_failed")
	if err != OK:
		print("cannot start ", role, ": ", err)
		quit(1)
	print("ready")

func _on_connected():
	connected = true

func _on_failed():
	print("connection failed")
	quit(1)

func _on_peer_disconnected(_id):
	print("done")
	quit()

func payload(i):
	var data = PoolByteArray()
	var kind = i % 4
	var size = [3, 40, 300, 2000][(i / 4) % 4] + i
	var x = i * 7919 + 1
	for j in range(size):
		if kind == 0:
			data.append(0)
		elif kind == 1:
			data.append("player position health "[j % 23].ord_at(0))
		elif kind == 2:
			x = (x * 1103515245 + 12345) % 2147483648
			data.append((x >> 16) & 255)
		else:
			data.append((j / 5) % 7)
	return data

func _idle(delta):
	elapsed += delta
	if elapsed > 20.0:
		print("timeout: sent ", sent, ", received ", received)
		quit(1)
		return false
	peer.poll()
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var data = peer.get_packet()
		if role == "server":
			peer.set_target_peer(from)
			peer.put_packet(data)
		else:
			if data != payload(received):
				print("echo ", received, " differs")
				quit(1)
				return false
			received += 1
	if role == "client":
		if connected and sent < count:
			peer.set_target_peer(1)
			peer.put_packet(payload(sent))
			sent += 1
		if received == count:
			print("done ", received)
			peer.close_connection()
			quit()
	return false
