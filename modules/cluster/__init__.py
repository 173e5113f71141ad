"""The heartbeat family's working parts: the message codec, hb.dat, the slotmem table,
the multicast listener and sender, shared by mod_heartmonitor, mod_heartbeat and
mod_lbmethod_heartbeat."""
