# SPDX-License-Identifier: GPL-2.0
#
# vm-guest.s - the guest of the host tests: a multiboot payload that QEMU
# boots with -kernel, small enough to read in one sitting.
#
# At its first boot it fills 8 MiB of guest RAM with a pseudo-random
# pattern and records its checksum; then, forever, it counts ticks and
# prints "vm: tick COUNTER sum CHECKSUM" on the serial port, recomputing
# the checksum each time. Its state lives in guest RAM outside the image
# (which a boot would load again), so a guest resumed on kept RAM goes on
# counting from where it stopped, and a guest that was booted again on
# kept RAM says so ("vm: boot N").  "vm: BAD" means the pattern changed.
	.set MB_MAGIC,	0x1badb002
	.set MB_FLAGS,	0
	.set STATE,	0x1000000	# magic, counter, sum, boots
	.set MAGIC,	0x4c554f56	# "VOUL"
	.set REGION,	0x1100000
	.set WORDS,	0x200000	# 8 MiB
	.set COM1,	0x3f8
	.set DELAY,	20000000	# loop turns between ticks

	.text
	.code32
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.globl _start
_start:
	mov	$stack_top, %esp
	cmpl	$MAGIC, STATE
	je	rebooted

	# First boot: the pattern (a 32-bit LCG), its checksum, the state.
	mov	$REGION, %edi
	mov	$WORDS, %ecx
	mov	$0x2545f491, %eax
1:	imul	$1103515245, %eax, %eax
	add	$12345, %eax
	mov	%eax, (%edi)
	add	$4, %edi
	loop	1b
	call	checksum
	mov	%eax, STATE + 8
	movl	$0, STATE + 4
	movl	$1, STATE + 12
	movl	$MAGIC, STATE
	jmp	report_boot

rebooted:
	incl	STATE + 12
report_boot:
	mov	$msg_boot, %esi
	call	puts
	mov	STATE + 12, %eax
	call	puthex
	mov	$msg_sum, %esi
	call	puts
	mov	STATE + 8, %eax
	call	puthex
	mov	$'\n', %al
	call	putc

tick:
	incl	STATE + 4
	call	checksum
	mov	%eax, %ebx
	mov	$msg_tick, %esi
	call	puts
	mov	STATE + 4, %eax
	call	puthex
	mov	$msg_sum, %esi
	call	puts
	mov	%ebx, %eax
	call	puthex
	cmp	STATE + 8, %ebx
	je	1f
	mov	$msg_bad, %esi
	call	puts
1:	mov	$'\n', %al
	call	putc
	mov	$DELAY, %ecx
2:	loop	2b
	jmp	tick

# %eax = the checksum of the region (order-sensitive: rotate, add).
checksum:
	push	%ecx
	push	%esi
	xor	%eax, %eax
	mov	$REGION, %esi
	mov	$WORDS, %ecx
1:	rol	$5, %eax
	add	(%esi), %eax
	add	$4, %esi
	loop	1b
	pop	%esi
	pop	%ecx
	ret

putc:	push	%edx
	mov	$COM1, %dx
	out	%al, %dx
	pop	%edx
	ret

puts:	lodsb
	test	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

# %eax as 8 hex digits.
puthex:	push	%ecx
	push	%edx
	mov	%eax, %edx
	mov	$8, %ecx
1:	rol	$4, %edx
	mov	%dl, %al
	and	$0xf, %al
	add	$'0', %al
	cmp	$'9', %al
	jbe	2f
	add	$('a' - '9' - 1), %al
2:	call	putc
	loop	1b
	pop	%edx
	pop	%ecx
	ret

	.section .rodata
msg_boot:	.asciz "vm: boot "
msg_tick:	.asciz "vm: tick "
msg_sum:	.asciz " sum "
msg_bad:	.asciz " BAD"

	.bss
	.align 16
	.space 4096
stack_top:
