# libFuzzer harnesses for the code that reads untrusted input (see
# tests/fuzz/README.md). Included by the main Makefile; uses its CSTD,
# WARN and BUILD.
#
#   make fuzz          every harness for FUZZ_SECONDS (new inputs kept in
#                      $(FUZZDIR)/corpus/NAME, crashes in $(FUZZDIR)/crashes)
#   make fuzz-NAME     one harness, as long
#   make fuzz-check    every harness for FUZZ_CHECK_SECONDS from the seeds
#                      in tests/fuzz/corpus/NAME alone; fails on a crash,
#                      leak, timeout or out-of-memory

FUZZ_CC            ?= clang
FUZZDIR            ?= $(or $(BUILD),build)/fuzz
FUZZ_SECONDS       ?= 300
FUZZ_CHECK_SECONDS ?= 15
FUZZ_MAX_LEN       ?= 65536
FUZZ_OPTS          ?= -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
                      -max_len=$(FUZZ_MAX_LEN) -close_fd_mask=3 \
                      -print_final_stats=1

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
# clang warns where gcc does not (vsnprintf with a va_list format):
# the code under test is built without -Werror, the harnesses with it.
FUZZ_CFLAGS := -O1 -g $(CSTD) $(filter-out -Werror,$(WARN)) $(FUZZ_SAN)
FUZZ_LIBS   := -lzstd -lpthread

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FUZZDIR)/fuzz_%)
# The host's architecture only (the seeds are x86_64 vmcores).
FUZZ_SRCS  := $(filter-out collectors/arch_%.c,$(wildcard common/*.c \
                collectors/*.c)) collectors/arch_x86_64.c init/config.c \
              init/config_parse.c $(wildcard transports/net_conf.c)
FUZZ_OBJS  := $(FUZZ_SRCS:%.c=$(FUZZDIR)/obj/%.o)

$(FUZZDIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZDIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_OBJS) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

# $(call fuzz_run,NAME,SECONDS,WORKDIR): new inputs go to WORKDIR, the
# seeds are read only; a reproducer lands in $(FUZZDIR)/crashes/NAME-*.
fuzz_run = mkdir -p $(3) $(FUZZDIR)/crashes && \
	$(FUZZDIR)/fuzz_$(1) $(FUZZ_OPTS) -max_total_time=$(2) \
	  -dict=tests/fuzz/$(if $(filter config,$(1)),config,vmcoreinfo).dict \
	  -artifact_prefix=$(FUZZDIR)/crashes/$(1)- \
	  $(3) tests/fuzz/corpus/$(1)

$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(FUZZDIR)/fuzz_%
	$(call fuzz_run,$*,$(FUZZ_SECONDS),$(FUZZDIR)/corpus/$*)

$(FUZZ_NAMES:%=fuzz-check-%): fuzz-check-%: $(FUZZDIR)/fuzz_%
	@rm -rf $(FUZZDIR)/check/$*
	@$(call fuzz_run,$*,$(FUZZ_CHECK_SECONDS),$(FUZZDIR)/check/$*) \
	  2>$(FUZZDIR)/check/$*.log \
	  && { tail -n 12 $(FUZZDIR)/check/$*.log | \
	       grep -E '^stat::(number_of_executed_units|peak_rss_mb)' | \
	       tr '\n' ' ' | sed 's/^/fuzz-check $*: ok, /'; echo; } \
	  || { tail -n 60 $(FUZZDIR)/check/$*.log; \
	       echo "fuzz-check $*: FAILED (reproducer in $(FUZZDIR)/crashes)"; \
	       exit 1; }

fuzz: $(FUZZ_NAMES:%=fuzz-%)
fuzz-check: $(FUZZ_NAMES:%=fuzz-check-%)

.PHONY: fuzz fuzz-check fuzz-build $(FUZZ_NAMES:%=fuzz-%) \
        $(FUZZ_NAMES:%=fuzz-check-%)
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_BINS)
-include $(FUZZ_OBJS:.o=.d)
