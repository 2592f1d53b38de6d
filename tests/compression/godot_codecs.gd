extends SceneTree

# Runs the jobs listed in jobs.txt next to the project: one per line,
# "<compress|decompress> <file mode> <name> <buffer size>". Each job reads in_<name>.bin and
# writes the PoolByteArray result to out_<name>.bin, then "done" is printed.

func _init():
	var dir = ProjectSettings.globalize_path("res://")
	var jobs = _read(dir + "jobs.txt").get_string_from_utf8()
	for line in jobs.split("\n", false):
		var parts = line.split(" ", false)
		var mode = int(parts[1])
		var name = parts[2]
		var input = _read(dir + "in_" + name + ".bin")
		var output
		if parts[0] == "compress":
			output = input.compress(mode)
		else:
			output = input.decompress(int(parts[3]), mode)
		_write(dir + "out_" + name + ".bin", output)
	print("done")
	quit()

func _read(path):
	var f = File.new()
	if f.open(path, File.READ) != OK:
		printerr("cannot read " + path)
		quit(1)
		return PoolByteArray()
	var data = f.get_buffer(f.get_len())
	f.close()
	return data

func _write(path, data):
	var f = File.new()
	f.open(path, File.WRITE)
	f.store_buffer(data)
	f.close()
