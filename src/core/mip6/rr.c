/* implementation pending */
typedef int m6_pending_rr;
