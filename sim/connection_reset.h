// Resetting the TCP connection of a request being served (fault injection):
// finds the accepted socket by its local and peer ports, sets SO_LINGER 0 and
// replaces the descriptor with an unconnected socket, so the kernel sends RST
// and the HTTP library's later writes fail harmlessly. Linux-only. Thread-safe.
#pragma once

namespace di::sim {

// Returns false when no socket of this process matches the two ports.
bool ResetConnection(int local_port, int remote_port);

}  // namespace di::sim
