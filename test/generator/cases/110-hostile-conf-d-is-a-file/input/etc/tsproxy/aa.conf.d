[SOCKS]
AllowFrom=127.0.0.0/8
