# oci/: config.json, exec process and state JSON (yajl is fenced in
# oci/json.c), the bundle-to-VM planner, and the sv_err helpers. Built as
# $(O)/liboci.a; users link it with -lyajl ($(OCI_LIBS)).
OCI_SRCS := $(sort $(wildcard oci/*.c))
OCI_OBJS := $(OCI_SRCS:%.c=$(O)/%.o)
OCI_LIBS := -lyajl

$(O)/liboci.a: $(OCI_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

-include $(OCI_SRCS:%.c=$(O)/%.d)
