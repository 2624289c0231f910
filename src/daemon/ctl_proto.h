/*
 * ctl_proto — the control socket's protocol, shared by mip6secd and the
 * `mip6sec show|reload|keys` client (header only: the client includes
 * nothing else of the daemon).
 *
 * A client connects to the daemon's unix stream socket (by default the
 * abstract name "mip6secd", which exists once per network namespace, so
 * `ip netns exec NS mip6sec show` reaches the daemon of NS), writes one
 * request line and reads the answer until the daemon closes:
 *
 *   request  = command *( " " word ) "\n"      (at most CTL_LINE_MAX octets)
 *   answer   = ( "OK\n" / "ERR " reason "\n" ) body
 *
 * Commands: "show bindings|bul|sa|policy|counters|neighbours|status [json]",
 * "reload", "keys" (the current SAs in the key-file format of
 * `mip6sec decode --keys`, one per line), "version". A JSON body is one
 * object (see mip6secd(8), CONTROL, for its fields and their stability).
 * The daemon accepts root, and members of its control_group.
 */
#ifndef MIP6SEC_M6D_CTL_PROTO_H
#define MIP6SEC_M6D_CTL_PROTO_H

#define CTL_SOCKET_DEFAULT "@mip6secd"
#define CTL_LINE_MAX 1024
#define CTL_JSON_VERSION 1
/* The environment variable that overrides the client's default socket. */
#define CTL_SOCKET_ENV "MIP6SEC_CONTROL"

#endif
