/*
 * notify/mail (internal): the "mail" backend's channel state, shared by
 * its two files: mail_settings.c reads the keys into it and checks them
 * (the key table and open), mail.c renders and submits (send, cancel).
 */
#ifndef SW_NOTIFY_MAIL_H
#define SW_NOTIFY_MAIL_H

#include "fetch/smtp.h"
#include "notify/notify_int.h"
#include "notify/render.h"

#define MAIL_SUBJECT_MAX 300 /* bytes of rendered subject kept */

struct mail {
	/* the keys, filled by notify/settings.c from mail_keys */
	char *smtp_url;	     /* smtp://host[:port][/ehlo-name] or smtps://host[:port] */
	int tls_key;	     /* index into the tls names */
	char *from;	     /* From: "addr" or "Display Name <addr>" */
	char *envelope_from; /* MAIL FROM address; NULL: from's address */
	char **to, **cc;     /* header forms, NULL-terminated */
	char *user;	     /* SMTP AUTH user; NULL: no AUTH */
	char *password;	     /* password_file's first line */
	char *ca_file;	     /* CA bundle for TLS verification; NULL: the system's */
	char *subject;	     /* subject template; NULL: RENDER_DEFAULT_SUBJECT */
	char *body;	     /* body_file's contents; NULL: RENDER_DEFAULT_BODY */
	int html;	     /* 1: add a text/html alternative (evidence in bold) */
	double timeout;	     /* seconds for one submission */
	/* derived by mail_open() */
	char *helo; /* EHLO name when the URL names none */
	enum smtp_tls tls;
	char *env_from;	 /* bare address */
	char *id_domain; /* Message-ID right part */
	char **rcpt;	 /* bare addresses of to and cc */
	struct render_tmpl *subject_t, *body_t;
	long timeout_s;
};

/* The key table of [notify] sections of type mail (mail_settings.c). */
extern const struct notify_key mail_keys[];

/* notify_backend.open: checks the keys beyond their types, derives the rest. */
int mail_open(struct notify_channel *ch, struct notify_section *sec);

/* notify_backend.free: releases what mail_open derived. */
void mail_free(struct notify_channel *ch);

#endif
