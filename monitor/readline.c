/* SPDX-License-Identifier: MIT */
/*
 * Line editing for the human monitor, on a raw terminal or a socket.
 *
 * Keys: printable bytes insert; Backspace (DEL or ^H) and ^D/Delete erase;
 * Left/Right (ESC [ D/C, ^B/^F) move; Home/End (ESC [ H/F, ESC [ 1~/4~,
 * ESC O H/F, ^A/^E); Up/Down (ESC [ A/B, ^P/^N) browse the history; ^K
 * and ^U cut to the end and start; Enter (CR, LF or CR LF) submits.
 * Typing at the end of the line is echoed byte by byte; other edits
 * redraw the line (CR, prompt, text, erase to end of line, cursor back),
 * so a non-terminal client sees plain echo for plain typing.
 */
#include <string.h>

#include "monitor/monitor-internal.h"

#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f
#define KEY_BS 0x08

enum {
    ESC_NONE,
    ESC_SEEN,     /* after ESC */
    ESC_CSI,      /* after ESC [ : digits then a final byte */
    ESC_SS3,      /* after ESC O : one final byte */
};

/* Parameters of a CSI sequence are short; anything longer is nonsense. */
#define ESC_PARAM_MAX 1000

static void out(ReadLine *rl, const char *s, size_t len)
{
    rl->write(rl->opaque, s, len);
}

static void out_str(ReadLine *rl, const char *s)
{
    out(rl, s, strlen(s));
}

void readline_init(ReadLine *rl, const char *prompt, MonitorWriteFn write,
                   void (*on_line)(void *opaque, const char *line), void *opaque)
{
    memset(rl, 0, sizeof(*rl));
    rl->prompt = prompt;
    rl->write = write;
    rl->on_line = on_line;
    rl->opaque = opaque;
}

void readline_destroy(ReadLine *rl)
{
    for (int i = 0; i < rl->hist_len; i++) {
        g_free(rl->history[i]);
    }
    g_free(rl->saved);
    memset(rl, 0, sizeof(*rl));
}

void readline_reset_line(ReadLine *rl)
{
    rl->len = rl->pos = 0;
    rl->buf[0] = '\0';
    rl->esc_state = ESC_NONE;
    rl->last_cr = false;
    rl->hist_pos = rl->hist_len;
    g_clear_pointer(&rl->saved, g_free);
}

/* Redraw the whole line and put the cursor back at pos. */
static void redraw(ReadLine *rl)
{
    g_autoptr(GString) s = g_string_new("\r");
    g_string_append(s, rl->prompt);
    g_string_append_len(s, rl->buf, rl->len);
    g_string_append(s, "\033[K");
    if (rl->pos < rl->len) {
        g_string_append_printf(s, "\033[%dD", rl->len - rl->pos);
    }
    out(rl, s->str, s->len);
}

void readline_show_prompt(ReadLine *rl)
{
    out_str(rl, rl->prompt);
    if (rl->len) {
        redraw(rl);
    }
}

static void set_line(ReadLine *rl, const char *text)
{
    size_t n = MIN(strlen(text), (size_t)READLINE_MAX_LINE - 1);
    memcpy(rl->buf, text, n);
    rl->buf[n] = '\0';
    rl->len = rl->pos = (int)n;
    redraw(rl);
}

static void insert(ReadLine *rl, char c)
{
    if (rl->len >= READLINE_MAX_LINE - 1) {
        return;
    }
    memmove(rl->buf + rl->pos + 1, rl->buf + rl->pos, rl->len - rl->pos);
    rl->buf[rl->pos++] = c;
    rl->buf[++rl->len] = '\0';
    if (rl->pos == rl->len) {
        out(rl, &c, 1);
    } else {
        redraw(rl);
    }
}

static void erase_at(ReadLine *rl, int at)
{
    if (at < 0 || at >= rl->len) {
        return;
    }
    bool at_end = at == rl->len - 1 && rl->pos == rl->len;
    memmove(rl->buf + at, rl->buf + at + 1, rl->len - at - 1);
    rl->buf[--rl->len] = '\0';
    if (rl->pos > at) {
        rl->pos--;
    }
    if (at_end) {
        out_str(rl, "\b \b");
    } else {
        redraw(rl);
    }
}

static void move_to(ReadLine *rl, int pos)
{
    pos = CLAMP(pos, 0, rl->len);
    if (pos != rl->pos) {
        rl->pos = pos;
        redraw(rl);
    }
}

static void history_add(ReadLine *rl, const char *line)
{
    if (!*line || (rl->hist_len && !strcmp(rl->history[rl->hist_len - 1], line))) {
        return;
    }
    if (rl->hist_len == READLINE_MAX_HISTORY) {
        g_free(rl->history[0]);
        memmove(rl->history, rl->history + 1, sizeof(rl->history[0]) * (READLINE_MAX_HISTORY - 1));
        rl->hist_len--;
    }
    rl->history[rl->hist_len++] = g_strdup(line);
}

static void history_step(ReadLine *rl, int dir)
{
    int to = rl->hist_pos + dir;
    if (to < 0 || to > rl->hist_len) {
        return;
    }
    if (rl->hist_pos == rl->hist_len) {
        g_free(rl->saved);
        rl->saved = g_strndup(rl->buf, rl->len);
    }
    rl->hist_pos = to;
    set_line(rl, to == rl->hist_len ? (rl->saved ? rl->saved : "") : rl->history[to]);
}

static void submit(ReadLine *rl)
{
    out_str(rl, "\r\n");
    g_autofree char *line = g_strndup(rl->buf, rl->len);
    history_add(rl, line);
    rl->len = rl->pos = 0;
    rl->buf[0] = '\0';
    rl->hist_pos = rl->hist_len;
    g_clear_pointer(&rl->saved, g_free);
    rl->on_line(rl->opaque, line);
}

static void csi_final(ReadLine *rl, uint8_t ch)
{
    switch (ch) {
    case 'A': history_step(rl, -1); break;
    case 'B': history_step(rl, 1); break;
    case 'C': move_to(rl, rl->pos + 1); break;
    case 'D': move_to(rl, rl->pos - 1); break;
    case 'H': move_to(rl, 0); break;
    case 'F': move_to(rl, rl->len); break;
    case '~':
        switch (rl->esc_param) {
        case 1: case 7: move_to(rl, 0); break;
        case 4: case 8: move_to(rl, rl->len); break;
        case 3: erase_at(rl, rl->pos); break;
        default: break;
        }
        break;
    default:
        break;
    }
}

void readline_feed(ReadLine *rl, uint8_t ch)
{
    switch (rl->esc_state) {
    case ESC_SEEN:
        rl->esc_state = ch == '[' ? ESC_CSI : ch == 'O' ? ESC_SS3 : ESC_NONE;
        rl->esc_param = 0;
        return;
    case ESC_CSI:
        if (g_ascii_isdigit(ch)) {
            rl->esc_param = MIN(rl->esc_param * 10 + (ch - '0'), ESC_PARAM_MAX);
            return;
        }
        if (ch == ';') {
            return;   /* modifiers (ESC [ 1 ; 5 C) are ignored */
        }
        rl->esc_state = ESC_NONE;
        csi_final(rl, ch);
        return;
    case ESC_SS3:
        rl->esc_state = ESC_NONE;
        csi_final(rl, ch);
        return;
    default:
        break;
    }
    bool was_cr = rl->last_cr;
    rl->last_cr = ch == '\r';
    switch (ch) {
    case '\r':
        submit(rl);
        break;
    case '\n':
        if (!was_cr) {
            submit(rl);
        }
        break;
    case KEY_ESC: rl->esc_state = ESC_SEEN; break;
    case KEY_DEL:
    case KEY_BS: erase_at(rl, rl->pos - 1); break;
    case KEY_CTRL('d'): erase_at(rl, rl->pos); break;
    case KEY_CTRL('a'): move_to(rl, 0); break;
    case KEY_CTRL('e'): move_to(rl, rl->len); break;
    case KEY_CTRL('b'): move_to(rl, rl->pos - 1); break;
    case KEY_CTRL('f'): move_to(rl, rl->pos + 1); break;
    case KEY_CTRL('p'): history_step(rl, -1); break;
    case KEY_CTRL('n'): history_step(rl, 1); break;
    case KEY_CTRL('k'):
        rl->len = rl->pos;
        rl->buf[rl->len] = '\0';
        redraw(rl);
        break;
    case KEY_CTRL('u'):
        memmove(rl->buf, rl->buf + rl->pos, rl->len - rl->pos);
        rl->len -= rl->pos;
        rl->pos = 0;
        rl->buf[rl->len] = '\0';
        redraw(rl);
        break;
    default:
        if (ch >= 0x20) {   /* printable ASCII and UTF-8 bytes */
            insert(rl, (char)ch);
        }
        break;
    }
}
