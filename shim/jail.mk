# The jail's test driver (tests/jail/jail_run.c) and suite. Included from
# the top Makefile after shim/module.mk: -include shim/jail.mk
$(O)/tests/jail/jail_run: $(O)/tests/jail/jail_run.o $(O)/libshim.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libshim.a \
		$(O)/liboci.a $(SHIM_LIBS)

.PHONY: check-jail
check-jail: $(O)/tests/jail/jail_run $(O)/tests/stratovirt-emu guests \
	    $(O)/tests/unit/test_shim_jail
	@$(O)/tests/unit/test_shim_jail
	@sh tests/jail/run.sh $(O)

-include $(O)/tests/jail/jail_run.d

check-integration: $(O)/tests/jail/jail_run
