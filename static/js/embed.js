/* Parley embed loader: renders the comment thread and form into #parley-comments.
 * Plain JS, no build step. The server sends finished HTML fragments; this file
 * only fetches them, swaps them in and keeps the reader's text across errors.
 * Load it with async or defer; it waits for the DOM either way. */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="/static/js/embed.js"]');
  if (!script) return;
  var base = script.src.replace(/\/static\/js\/embed\.js(\?.*)?$/, "");
  var parleyOrigin = new URL(base).origin;
  // A popup that lost this page comes back to it with a one-time code: #parley-signin=CODE.
  var HANDOFF_FRAGMENT = /^#parley-signin=([A-Za-z0-9_-]{43})$/;
  var GUEST_KEY_DAYS = 7;
  // Seconds between checks for a thread that moved: the next while nothing changes, the first again after a change.
  var LIVE_DELAYS = [30, 60, 120, 240];

  function pageUrl() {
    var canonical = document.querySelector('link[rel="canonical"]');
    // Without a canonical link, ?utm_... variants of one article are still one article.
    return canonical ? canonical.href : location.origin + location.pathname;
  }

  // Thread keys hold at most 255 characters: a longer URL keeps its start and a hash of the whole.
  function threadKey(url) {
    if (url.length <= 255) return url;
    for (var hash = 2166136261, i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 16777619);
    return url.slice(0, 240) + "#" + (hash >>> 0).toString(16);
  }

  // Fragments come from Parley, but only links back into Parley's embed and sign-in URLs are followed.
  function ours(url) {
    return typeof url === "string" && (url.indexOf(base + "/embed/") === 0 || url.indexOf(base + "/auth/") === 0);
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  // localStorage may be missing or refuse writes (private windows, storage blocked): sign-in then lasts a page view.
  var memory = {};
  var store = {
    get: function (key) { try { return localStorage.getItem(key); } catch (e) { return memory[key] || null; } },
    set: function (key, value) { try { localStorage.setItem(key, value); } catch (e) { memory[key] = value; } },
    remove: function (key) { try { localStorage.removeItem(key); } catch (e) {} delete memory[key]; }
  };

  function randomSecret() {
    var bytes = crypto.getRandomValues(new Uint8Array(32));
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The hand-off needs SubtleCrypto, which only secure contexts (https, localhost) have.
  function sha256Hex(text) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve(null);
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  function endpoint(site, name, params) {
    return base + "/embed/" + encodeURIComponent(site) + "/" + name + "?" + new URLSearchParams(params);
  }

  function localizeTimes(root) {
    var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    root.querySelectorAll("time[datetime]").forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (!isNaN(moment)) {
        time.title = time.textContent;
        time.textContent = format.format(moment);
      }
    });
  }

  function setLikeCount(element, count) {
    element.dataset.count = count;
    element.textContent = count;
  }

  function countLabel(count) {
    return count + (count === 1 ? " comment" : " comments");
  }

  function notice(kind, message) {
    var p = document.createElement("p");
    p.className = "parley-notice";
    p.dataset.kind = kind;
    p.setAttribute("role", "alert");
    p.textContent = message;
    return p;
  }

  // Each site's widgets on this origin share sign-ins: the one that redeems a hand-off tells the others.
  function signInChannel(site) {
    return typeof BroadcastChannel === "function" ? new BroadcastChannel("parley-signin:" + site) : null;
  }

  function Widget(host, finished) {
    this.host = host;
    this.site = host.dataset.site;
    this.thread = host.dataset.thread || threadKey(pageUrl());
    this.tokenKey = tokenKey(this.site);
    // Lets a guest see their own comments awaiting moderation: "key until" (ms), sent only until then.
    this.guestKey = "parley-guest:" + this.site;
    this.root = host.attachShadow({ mode: "open" });
    this.root.innerHTML =
      '<link rel="stylesheet" href="' + base + '/static/css/embed.css">' +
      '<div class="parley"><div class="parley-live" aria-live="polite"></div><div class="parley-thread-slot" aria-live="polite">' +
      '<p class="parley-loading">Loading comments…</p></div><div class="parley-form-slot"></div></div>';
    this.threadSlot = this.root.querySelector(".parley-thread-slot");
    this.formSlot = this.root.querySelector(".parley-form-slot");
    this.newComments = this.root.querySelector(".parley-live");
    this.root.addEventListener("click", this.onClick.bind(this));
    this.root.addEventListener("submit", this.onSubmit.bind(this));
    this.watchOwnComments();
    window.addEventListener("hashchange", this.openLinkedComment.bind(this));
    window.addEventListener("message", this.onMessage.bind(this));
    this.channel = signInChannel(this.site);
    if (this.channel) this.channel.onmessage = this.onSignInElsewhere.bind(this);
    if (finished) this.showHandoffResult(finished);
    this.loadThread(this.threadUrl(this.linkedCommentId()), true);
    this.loadForm();
    this.live = host.dataset.live !== "false";
    this.checkedAt = Date.now();
    if (this.live) {
      document.addEventListener("visibilitychange", this.onVisibility.bind(this));
      this.onVisibility();
    }
  }

  // Every request carries the reader's token, if any; a token the server disowns is forgotten.
  // A guest's key goes with every comment they post, and with reads while one may await moderation.
  Widget.prototype.fetch = function (url, options, posting) {
    options = options || {};
    var token = store.get(this.tokenKey);
    var guest = (store.get(this.guestKey) || "").split(" ");
    guest = posting || Number(guest[1]) > Date.now() ? guest[0] : null;
    options.credentials = "omit";
    options.headers = {};
    if (token) options.headers.Authorization = "Bearer " + token;
    else if (guest) options.headers["X-Parley-Guest"] = guest;
    var self = this;
    return fetch(url, options).then(function (response) {
      if (response.headers.get("X-Parley-Token") === "invalid") store.remove(self.tokenKey);
      return response;
    });
  };

  Widget.prototype.pageUrl = function () {
    return this.host.dataset.url || pageUrl();
  };

  // A read names only the thread: its title and URL come from the site's own page when its
  // first comment is stored, so one CDN copy serves every page that embeds the thread.
  Widget.prototype.threadUrl = function (around) {
    var params = { thread: this.thread };
    if (around) params.around = around;
    return endpoint(this.site, "thread", params);
  };

  Widget.prototype.linkedCommentId = function () {
    var match = /^#parley-c(\d+)$/.exec(location.hash);
    return match && match[1];
  };

  Widget.prototype.failed = function (slot, message) {
    slot.replaceChildren(notice("error", message));
  };

  Widget.prototype.loadThread = function (url, toLinkedComment) {
    var self = this;
    return this.fetchThread(url)
      .then(function (fragment) {
        self.threadSlot.replaceChildren(fragment);
        localizeTimes(self.threadSlot);
        self.pressLiked(self.threadSlot);
        if (toLinkedComment) self.scrollToLinkedComment();
      })
      .catch(function () { self.failed(self.threadSlot, "The comments could not be loaded. Please reload the page to try again."); });
  };

  // The thread at `url`, revalidating any cached copy; it becomes the one the live checks compare with.
  Widget.prototype.fetchThread = function (url) {
    var self = this;
    this.threadHref = url;
    return this.fetch(url, { cache: "no-cache" }).then(function (response) {
      self.etag = response.headers.get("ETag");
      self.newComments.replaceChildren();
      return response.text().then(parse);
    });
  };

  // While the page is hidden nothing is checked; back in view, checks resume at the shortest delay.
  Widget.prototype.onVisibility = function () {
    this.liveStep = 0;
    this.schedule(Math.max(0, this.checkedAt + LIVE_DELAYS[0] * 1000 - Date.now()));
  };

  Widget.prototype.schedule = function (wait) {
    clearTimeout(this.liveTimer);
    if (document.visibilityState !== "hidden") this.liveTimer = setTimeout(this.check.bind(this, false), wait);
  };

  // Has the thread moved? A conditional GET: the browser revalidates its copy (a 304 when nothing
  // changed) and the ETag says whether it is still the one shown. `quiet` checks follow the reader's
  // own writes and sign-ins: a change they explain (no more comments than shown) is only noted.
  Widget.prototype.check = function (quiet) {
    if (!this.live) return;
    var self = this;
    this.checkedAt = Date.now();
    this.fetch(this.threadHref, { cache: "no-cache" })
      .then(function (response) {
        var etag = response.headers.get("ETag");
        if (!response.ok || etag === self.etag) {
          self.liveStep = Math.min(self.liveStep + 1, LIVE_DELAYS.length - 1);
          return;
        }
        self.etag = etag;
        self.liveStep = 0;
        return response.text().then(function (html) {
          var fetched = parse(html).querySelector(".parley-thread");
          var shown = self.threadSlot.querySelector(".parley-thread");
          var grown = fetched && shown ? fetched.dataset.count - shown.dataset.count : 0;
          // Likes alone (the same comments, other counts) update in place: no button for them.
          if (fetched && shown && grown === 0 && self.sameComments(fetched, shown)) return self.showLikeCounts(fetched);
          if (!quiet || grown > 0) self.offerNewComments(grown);
        });
      })
      .catch(function () {})
      .then(function () { self.schedule(LIVE_DELAYS[self.liveStep] * 1000); });
  };

  Widget.prototype.offerNewComments = function (grown) {
    var button = this.newComments.querySelector("button");
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "parley-new-comments";
      this.newComments.append(button);
    }
    button.textContent = (grown > 0 ? grown + (grown === 1 ? " new comment" : " new comments") : "New comments") + " — show";
  };

  // The moved thread replaces the shown one; the comment the reader was at stays where it was on
  // screen (fetched around it if it is beyond the first page), and open reply forms keep their text.
  Widget.prototype.showNewComments = function () {
    var self = this;
    var place = this.readingPlace();
    var seen = {};
    this.threadSlot.querySelectorAll(".parley-comment").forEach(function (comment) { seen[comment.id] = true; });
    this.fetchThread(this.threadHref)
      .then(function (fragment) {
        var id = place.element.id;
        if (!/^parley-c/.test(id) || fragment.getElementById(id)) return fragment;
        var around = new URL(self.threadHref);
        around.searchParams.set("around", id.slice(8));
        return self.fetchThread(around.href);
      })
      .then(function (fragment) {
        var section = fragment.querySelector(".parley-thread");
        if (!section) throw new Error("no thread");
        self.keepOpenParts(fragment);
        self.threadSlot.replaceChildren(fragment);
        localizeTimes(self.threadSlot);
        self.pressLiked(self.threadSlot);
        var fresh = Array.prototype.filter.call(self.threadSlot.querySelectorAll(".parley-comment"), function (comment) {
          return !seen[comment.id];
        });
        fresh.forEach(function (comment) { comment.classList.add("parley-new"); });
        var anchor = self.root.getElementById(place.element.id) || place.element;
        if (anchor.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - place.top);
        self.showCountOnPage(Number(section.dataset.count));
        // The button is gone: focus goes to the first new comment, without scrolling to it.
        var focus = fresh[0] || section;
        focus.tabIndex = -1;
        focus.focus({ preventScroll: true });
      })
      .catch(function () { self.offerNewComments(0); });
  };

  // The first comment (or, below the thread, the form) whose top is in view or below it.
  Widget.prototype.readingPlace = function () {
    var candidates = Array.prototype.slice.call(this.threadSlot.querySelectorAll(".parley-comment")).concat(this.formSlot);
    var element = candidates.find(function (candidate) {
      var box = candidate.getBoundingClientRect();
      return box.height > 0 && box.top >= 0;
    }) || this.formSlot;
    return { element: element, top: element.getBoundingClientRect().top };
  };

  // Reply forms move into the new thread under their comment (at its top if the comment is gone),
  // and hidden replies the reader opened stay open.
  Widget.prototype.keepOpenParts = function (fragment) {
    this.threadSlot.querySelectorAll(".parley-compose[data-parent]").forEach(function (compose) {
      var parent = fragment.getElementById("parley-c" + compose.dataset.parent);
      var actions = parent && parent.querySelector(":scope > .parley-actions");
      if (actions) actions.after(compose);
      else fragment.querySelector(".parley-list").prepend(compose);
    });
    this.threadSlot.querySelectorAll(".parley-hidden-replies[open]").forEach(function (details) {
      var comment = fragment.getElementById(details.closest(".parley-comment").id);
      var hidden = comment && comment.querySelector(":scope > .parley-replies > .parley-hidden-replies");
      if (hidden) hidden.open = true;
    });
  };

  // Reloading the form (after signing in or out) keeps what the reader had typed.
  Widget.prototype.loadForm = function () {
    var self = this;
    // The guest's key goes too: the form lists the comments its holder may still edit.
    return this.fetch(endpoint(this.site, "form", { thread: this.thread }), {}, true)
      .then(function (response) { return response.text(); })
      .then(function (html) {
        // What is typed when the new form arrives: a comment just sent has been cleared by then.
        var typed = self.formSlot.querySelector("textarea");
        typed = typed ? typed.value : "";
        self.formSlot.replaceChildren(self.prepare(parse(html)));
        var compose = self.formSlot.querySelector(".parley-compose");
        self.liked = compose && compose.dataset.liked ? compose.dataset.liked.split(" ") : [];
        self.pressLiked(self.threadSlot);
        var textarea = self.formSlot.querySelector("textarea");
        if (textarea && typed) textarea.value = typed;
      })
      .catch(function () { self.failed(self.formSlot, "The comment form could not be loaded. Please reload the page to try again."); });
  };

  // Server-side messages are the ones that count: show them rather than the browser's.
  // Sign-in links learn this page's origin, so even one opened in a new tab can start.
  Widget.prototype.prepare = function (fragment) {
    fragment.querySelectorAll("form.parley-form").forEach(function (form) { form.noValidate = true; });
    fragment.querySelectorAll("a.parley-login").forEach(function (link) {
      link.href += "&origin=" + encodeURIComponent(location.origin);
    });
    return fragment;
  };

  Widget.prototype.scrollToLinkedComment = function () {
    var id = this.linkedCommentId();
    var target = id && this.root.getElementById("parley-c" + id);
    if (!target) return false;
    target.classList.add("parley-linked");
    var details = target.closest("details");
    if (details) details.open = true;
    target.scrollIntoView({ block: "start" });
    return true;
  };

  Widget.prototype.openLinkedComment = function () {
    var id = this.linkedCommentId();
    if (id && !this.scrollToLinkedComment()) this.loadThread(this.threadUrl(id), true);
  };

  Widget.prototype.onClick = function (event) {
    var target = event.target.closest("a, button");
    if (!target) return;
    if (target.matches("button.parley-cancel")) {
      target.closest(".parley-compose").remove();
      return;
    }
    if (target.matches("button.parley-edit, button.parley-delete, button.parley-cancel-edit")) {
      this.onOwnControl(target);
      return;
    }
    if (target.matches("button.parley-new-comments")) {
      this.showNewComments();
      return;
    }
    if (target.matches("button.parley-like")) {
      this.like(target);
      return;
    }
    if (target.matches("button.parley-logout")) {
      this.signOut();
      return;
    }
    // A modified click (new tab, new window) keeps the browser's meaning; foreign links are left alone.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || !ours(target.href)) return;
    if (target.matches("a.parley-login")) {
      event.preventDefault();
      this.signIn(target);
    } else if (target.matches("a.parley-more")) {
      event.preventDefault();
      this.loadMore(target);
    } else if (target.matches("a.parley-sort-link, a.parley-first")) {
      event.preventDefault();
      this.loadThread(target.href);
    } else if (target.matches("a.parley-reply")) {
      event.preventDefault();
      this.openReply(target);
    }
  };

  Widget.prototype.loadMore = function (link) {
    if (link.dataset.loading) return;
    link.dataset.loading = "yes";
    link.textContent = "Loading…";
    var self = this;
    var root = this.root;
    this.fetch(link.href)
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = parse(html);
        var list = link.parentNode.querySelector(".parley-list");
        page.querySelectorAll(".parley-list > .parley-comment").forEach(function (comment) {
          // A comment the reader just posted may already be shown; the server's copy is in its right place.
          var shown = root.getElementById(comment.id);
          if (shown) shown.remove();
          list.appendChild(comment);
        });
        localizeTimes(list);
        self.pressLiked(list);
        var next = page.querySelector("a.parley-more");
        if (next) link.replaceWith(next); else link.remove();
      })
      .catch(function () {
        delete link.dataset.loading;
        link.textContent = "Could not load more comments. Try again";
      });
  };

  Widget.prototype.openReply = function (link) {
    var self = this;
    var comment = link.closest(".parley-comment");
    var open = comment.querySelector(":scope > .parley-compose");
    if (open) {
      open.querySelector("textarea").focus();
      return;
    }
    // Other reply forms close, unless the reader has started writing in them.
    this.threadSlot.querySelectorAll(".parley-compose").forEach(function (form) {
      if (!form.querySelector("textarea").value.trim()) form.remove();
    });
    if (link.dataset.loading) return;
    link.dataset.loading = "yes";
    this.fetch(link.href)
      .then(function (response) { return response.text(); })
      .then(function (html) {
        link.closest(".parley-actions").after(self.prepare(parse(html)));
        var textarea = comment.querySelector(":scope > .parley-compose textarea");
        if (textarea) textarea.focus();
      })
      .catch(function () { link.closest(".parley-actions").after(notice("error", "The reply form could not be loaded.")); })
      .finally(function () { delete link.dataset.loading; });
  };

  Widget.prototype.onSubmit = function (event) {
    var form = event.target;
    if (form.matches("form.parley-report-form")) return this.report(event);
    if (!form.matches("form.parley-form")) return;
    event.preventDefault();
    if (!ours(form.action)) return;
    var self = this;
    var compose = form.closest(".parley-compose");
    var button = form.querySelector('[type="submit"]');
    button.disabled = true;
    if (!store.get(this.tokenKey) && !store.get(this.guestKey)) store.set(this.guestKey, randomSecret() + " 0");
    // The page's URL goes with every comment: the first one's names the article the server reads the title from.
    var action = new URL(form.action);
    action.searchParams.set("url", this.pageUrl());
    this.fetch(action.href, { method: "POST", body: new URLSearchParams(new FormData(form)) }, true)
      .then(function (response) {
        return response.text().then(function (html) { self.answered(response.status, parse(html), form, compose); });
      })
      .catch(function () {
        compose.querySelectorAll(".parley-notice").forEach(function (old) { old.remove(); });
        form.before(notice("error", "Your comment could not be sent. Your text is still here; please try again."));
      })
      .finally(function () { button.disabled = false; });
  };

  Widget.prototype.answered = function (status, fragment, form, compose) {
    if (compose.matches(".parley-editing") && (status === 200 || status === 202)) return this.edited(fragment, compose);
    // A held comment shows to its author, marked as awaiting moderation, for a week of visits.
    if (status === 202) {
      var key = store.get(this.guestKey);
      if (key && !store.get(this.tokenKey)) store.set(this.guestKey, key.split(" ")[0] + " " + (Date.now() + GUEST_KEY_DAYS * 864e5));
      if (!compose.dataset.parent) this.loadThread(this.threadUrl());
      else this.check(true);
    }
    if (status === 201) {
      this.insertComment(fragment.querySelector(".parley-comment"));
      this.check(true);
      this.loadForm(); // its list of the reader's editable comments now holds this one
      if (compose.dataset.parent) compose.remove();
      else {
        form.elements.body.value = "";
        compose.querySelectorAll(".parley-notice, .parley-error").forEach(function (old) { old.remove(); });
        compose.querySelectorAll("[aria-invalid]").forEach(function (field) {
          field.removeAttribute("aria-invalid");
          field.removeAttribute("aria-describedby");
        });
      }
      return;
    }
    var replacement = fragment.querySelector(".parley-compose");
    var message;
    if (replacement) {
      compose.replaceWith(this.prepare(fragment));
      var invalid = replacement.querySelector('[aria-invalid="true"]');
      if (invalid) return invalid.focus();
      message = replacement.querySelector(".parley-notice");
    } else {
      compose.querySelectorAll(".parley-notice").forEach(function (old) { old.remove(); });
      message = fragment.querySelector(".parley-notice") || notice("error", "Something went wrong; your text is still here.");
      form.before(message);
    }
    // Whoever pressed the button hears what happened to the comment.
    if (message) {
      message.tabIndex = -1;
      message.focus();
    }
  };

  // Which buttons are pressed is personal: the form fragment lists the comments this reader likes
  // (the public thread, the same for everyone, never says), and the widget presses their buttons.
  Widget.prototype.pressLiked = function (node) {
    var liked = this.liked || [];
    node.querySelectorAll("button.parley-like").forEach(function (button) {
      var comment = button.closest(".parley-comment");
      button.setAttribute("aria-pressed", String(liked.indexOf(comment.dataset.commentId) >= 0));
    });
  };

  Widget.prototype.sameComments = function (one, other) {
    var ids = function (node) {
      return Array.prototype.map.call(node.querySelectorAll(".parley-comment"), function (c) { return c.id; }).sort().join(" ");
    };
    return ids(one) === ids(other);
  };

  // Others' likes, as the thread last rendered them (a few seconds late at most), in place.
  Widget.prototype.showLikeCounts = function (fetched) {
    var root = this.root;
    fetched.querySelectorAll(".parley-likes").forEach(function (count) {
      var shown = root.getElementById(count.closest(".parley-comment").id);
      var own = shown && shown.querySelector(":scope > .parley-actions .parley-likes");
      if (own && !own.dataset.mine) setLikeCount(own, count.dataset.count);
    });
  };

  // A like is a toggle; the answer is this reader's state and the comment's count, at once.
  // A guest gets a widget key for it (their likes are theirs, one per key), as for a first comment.
  Widget.prototype.like = function (button) {
    if (!ours(button.dataset.action) || button.dataset.busy) return;
    if (!store.get(this.tokenKey) && !store.get(this.guestKey)) store.set(this.guestKey, randomSecret() + " 0");
    var self = this;
    var comment = button.closest(".parley-comment");
    button.dataset.busy = "yes";
    this.fetch(button.dataset.action, { method: "POST" }, true)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) throw new Error(answer.error || "The like could not be sent; please try again.");
          var id = comment.dataset.commentId;
          self.liked = (self.liked || []).filter(function (other) { return other !== id; });
          if (answer.liked) self.liked.push(id);
          button.setAttribute("aria-pressed", String(answer.liked));
          var count = button.parentNode.querySelector(".parley-likes");
          setLikeCount(count, answer.likes);
          // Until the thread is rendered again, this count is fresher than the thread's.
          count.dataset.mine = "yes";
        });
      })
      .catch(function (error) {
        comment.querySelectorAll(":scope > .parley-actions .parley-notice").forEach(function (old) { old.remove(); });
        button.parentNode.append(notice("error", error.message));
      })
      .finally(function () { delete button.dataset.busy; });
  };

  // A report is one click: the reason is the button pressed; the answer replaces the choices.
  Widget.prototype.report = function (event) {
    event.preventDefault();
    var form = event.target;
    var details = form.closest("details");
    if (!ours(form.action) || !event.submitter) return;
    this.fetch(form.action, { method: "POST", body: new URLSearchParams({ reason: event.submitter.value }) })
      .then(function (response) { return response.text(); })
      .then(function (html) { details.replaceWith(parse(html)); })
      .catch(function () { details.replaceWith(notice("error", "The report could not be sent; please try again.")); });
  };

  // The popup opens at once (a click may open windows; a promise later may not), then goes to the provider.
  // The secret stays in this origin's storage: if the popup loses this page, it comes back to the
  // article with a code, and the widget there redeems both together (see finishHandoff).
  Widget.prototype.signIn = function (link) {
    var popup = window.open("", "parley-login", "popup,width=520,height=680");
    var compose = link.closest(".parley-compose");
    if (!popup) {
      compose.querySelectorAll(".parley-notice").forEach(function (old) { old.remove(); });
      link.parentNode.before(notice("signin", "Your browser blocked the sign-in window. Please allow pop-ups for this page and try again."));
      return;
    }
    var self = this;
    var secret = randomSecret();
    sha256Hex(secret)
      .catch(function () { return null; })
      .then(function (hash) {
        var handoff = "";
        if (hash) {
          store.set(handoffKey(self.site), secret);
          handoff = "&handoff=" + hash + "&page=" + encodeURIComponent(location.origin + location.pathname + location.search);
        }
        popup.location.href = link.href + handoff;
        self.pendingSignIn = { popup: popup };
      });
  };

  Widget.prototype.onMessage = function (event) {
    var data = event.data;
    var pending = this.pendingSignIn;
    if (event.origin !== parleyOrigin || !pending || event.source !== pending.popup) return;
    if (!data || data.type !== "parley:login") return;
    event.source.postMessage({ type: "parley:ack" }, parleyOrigin);
    store.remove(handoffKey(this.site));
    this.signedIn(data);
  };

  // Another window of this origin (the popup, back on the article) finished the sign-in.
  Widget.prototype.onSignInElsewhere = function (event) {
    var data = event.data;
    if (data && data.type === "parley:login") this.signedIn(data);
  };

  Widget.prototype.showHandoffResult = function (finished) {
    var wrapper = this.root.querySelector(".parley");
    var message = finished.result
      ? "You are signed in as " + finished.result.user.name + ". Go back to the article's window to comment, or close this one."
      : "This sign-in didn't start on this page, or it was already used, so it was not finished and nothing was shared. Close this window, then sign in again from the article.";
    var shown = notice(finished.result ? "signin" : "error", message);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "parley-close-window";
    close.textContent = "Close this window";
    close.addEventListener("click", function () { window.close(); });
    shown.append(" ", close);
    wrapper.prepend(shown);
  };

  Widget.prototype.signedIn = function (result) {
    this.pendingSignIn = null;
    if (result.origin !== location.origin || !result.token) return;
    store.set(this.tokenKey, result.token);
    this.reloadForms();
  };

  Widget.prototype.signOut = function () {
    var self = this;
    this.fetch(base + "/auth/logout?site=" + encodeURIComponent(this.site), { method: "POST" })
      .catch(function () {})
      .then(function () {
        store.remove(self.tokenKey);
        self.reloadForms();
      });
  };

  // After signing in or out every open form changes (fields, buttons), keeping its text.
  Widget.prototype.reloadForms = function () {
    var self = this;
    this.loadForm();
    this.check(true);
    this.threadSlot.querySelectorAll(".parley-compose[data-parent]").forEach(function (compose) {
      var typed = compose.querySelector("textarea").value;
      self.fetch(endpoint(self.site, "form", { thread: self.thread, parent: compose.dataset.parent }))
        .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
        .then(function (html) {
          var fragment = self.prepare(parse(html));
          var textarea = fragment.querySelector("textarea");
          if (textarea) textarea.value = typed;
          compose.replaceWith(fragment);
        })
        .catch(function () {});
    });
  };

  Widget.prototype.insertComment = function (comment) {
    var section = this.threadSlot.querySelector(".parley-thread");
    if (!comment || !section) return;
    localizeTimes(comment);
    var parentId = comment.dataset.parent;
    var parent = parentId && this.root.getElementById("parley-c" + parentId);
    if (parent) {
      var replies = parent.querySelector(":scope > .parley-replies");
      if (!replies) {
        replies = document.createElement("div");
        replies.className = "parley-replies";
        parent.appendChild(replies);
      }
      replies.appendChild(comment);
    } else {
      var list = section.querySelector(".parley-list");
      var empty = list.querySelector(".parley-empty");
      if (empty) empty.remove();
      if (section.dataset.sort === "newest") list.prepend(comment); else list.appendChild(comment);
    }
    var count = Number(section.dataset.count) + 1;
    section.dataset.count = count;
    section.querySelector(".parley-count").textContent = countLabel(count);
    this.showCountOnPage(count);
    comment.classList.add("parley-new");
    comment.scrollIntoView({ block: "nearest" });
  };

  // The author's own controls. The public thread never carries them: the personal form fragment lists
  // the reader's comments still editable (ul.parley-own, with each window's end), and the widget gives
  // those articles Edit and Delete buttons, again whenever the thread's markup changes.
  Widget.prototype.watchOwnComments = function () {
    var decorate = this.decorateOwnComments.bind(this);
    new MutationObserver(decorate).observe(this.threadSlot, { childList: true, subtree: true });
    new MutationObserver(decorate).observe(this.formSlot, { childList: true, subtree: true });
    var self = this;
    this.root.addEventListener("keydown", function (event) {
      var editing = event.key === "Escape" && event.target.closest && event.target.closest(".parley-editing");
      if (editing) self.cancelEdit(editing.closest(".parley-comment"));
    });
  };

  Widget.prototype.decorateOwnComments = function () {
    var self = this;
    this.formSlot.querySelectorAll(".parley-own li[data-comment-id]").forEach(function (own) {
      var until = Date.parse(own.dataset.editableUntil);
      var article = self.root.getElementById("parley-c" + own.dataset.commentId);
      if (!article || until <= Date.now() || article.querySelector(":scope > .parley-own-controls")) return;
      if (article.dataset.status === "deleted") return;
      var controls = document.createElement("p");
      controls.className = "parley-own-controls";
      controls.innerHTML = (own.hasAttribute("data-delete-only") ? "" : '<button type="button" class="parley-edit">Edit</button> ') +
        '<button type="button" class="parley-delete">Delete</button>';
      var body = article.querySelector(":scope > .parley-body");
      if (body) body.after(controls);
      setTimeout(function () { controls.remove(); }, until - Date.now());
    });
  };

  Widget.prototype.ownUrl = function (article, action) {
    return base + "/embed/" + encodeURIComponent(this.site) + "/comments/" + article.dataset.commentId + "/" + action;
  };

  Widget.prototype.onOwnControl = function (button) {
    var article = button.closest(".parley-comment");
    if (button.matches(".parley-cancel-edit")) return this.cancelEdit(article);
    if (button.matches(".parley-edit")) return this.openEdit(article, button);
    // Deleting asks once more, in place: a stray click takes nothing back.
    if (!button.dataset.confirm) {
      button.dataset.confirm = "yes";
      button.textContent = "Delete for good?";
      return;
    }
    this.deleteOwn(article, button);
  };

  // The comment form, filled with the comment's text, in place of its body; Escape or Cancel restore it.
  Widget.prototype.openEdit = function (article, button) {
    var self = this;
    button.disabled = true;
    this.fetch(this.ownUrl(article, "edit"), {}, true)
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fragment = self.prepare(parse(html));
        var compose = fragment.querySelector(".parley-compose");
        var controls = article.querySelector(":scope > .parley-own-controls");
        if (!compose) return controls.after(fragment.querySelector(".parley-notice") || notice("error", "This comment can't be edited."));
        article.classList.add("parley-being-edited");
        controls.after(compose);
        compose.querySelector("textarea").focus();
      })
      .catch(function () { article.querySelector(":scope > .parley-own-controls").after(notice("error", "The edit form could not be loaded.")); })
      .finally(function () { button.disabled = false; });
  };

  Widget.prototype.cancelEdit = function (article) {
    var compose = article.querySelector(":scope > .parley-editing");
    if (compose) compose.remove();
    article.classList.remove("parley-being-edited");
    var edit = article.querySelector(":scope > .parley-own-controls .parley-edit");
    if (edit) edit.focus();
  };

  // An edit saved (200) or held (202): the article's own part is the answer's, its replies stay.
  Widget.prototype.edited = function (fragment, compose) {
    var article = compose.closest(".parley-comment");
    var fresh = fragment.querySelector(".parley-comment");
    this.replaceOwnPart(article, fresh);
    var held = fragment.querySelector(".parley-notice");
    if (held) {
      article.querySelector(":scope > .parley-body").before(held);
      held.tabIndex = -1;
      held.focus();
    }
    this.check(true);
  };

  Widget.prototype.replaceOwnPart = function (article, fresh) {
    var replies = article.querySelector(":scope > .parley-replies");
    localizeTimes(fresh);
    article.dataset.status = fresh.dataset.status;
    article.classList.remove("parley-being-edited");
    article.replaceChildren.apply(article, Array.prototype.slice.call(fresh.childNodes));
    if (replies) article.appendChild(replies);
  };

  Widget.prototype.deleteOwn = function (article, button) {
    var self = this;
    var wasCounted = article.dataset.status === "published";
    button.disabled = true;
    this.fetch(this.ownUrl(article, "delete"), { method: "POST" }, true)
      .then(function (response) {
        return response.text().then(function (html) {
          var fragment = parse(html);
          if (!response.ok) return button.parentNode.after(fragment.querySelector(".parley-notice") || notice("error", "The comment could not be deleted."));
          var placeholder = fragment.querySelector(".parley-comment");
          if (placeholder) self.replaceOwnPart(article, placeholder);
          else article.remove();
          if (wasCounted) self.countDeleted();
          self.check(true);
        });
      })
      .catch(function () { button.parentNode.after(notice("error", "The comment could not be deleted; please try again.")); })
      .finally(function () { button.disabled = false; });
  };

  Widget.prototype.countDeleted = function () {
    var section = this.threadSlot.querySelector(".parley-thread");
    if (!section) return;
    var count = Math.max(0, Number(section.dataset.count) - 1);
    section.dataset.count = count;
    section.querySelector(".parley-count").textContent = countLabel(count);
    this.showCountOnPage(count);
  };

  // The host page's own count elements for this thread.
  Widget.prototype.showCountOnPage = function (count) {
    var self = this;
    document.querySelectorAll("[data-parley-count]").forEach(function (element) {
      if (element.dataset.site === self.site && element.dataset.thread === self.thread) element.textContent = countLabel(count);
    });
  };

  var COUNTS_PER_REQUEST = 100; // the server's limit

  function fillCounts() {
    var elements = {}; // site -> thread -> elements showing its count
    document.querySelectorAll("[data-parley-count]").forEach(function (element) {
      var site = element.dataset.site;
      var thread = element.dataset.thread;
      if (!site || !thread) return;
      var threads = (elements[site] = elements[site] || {});
      (threads[thread] = threads[thread] || []).push(element);
    });
    Object.keys(elements).forEach(function (site) {
      var threads = Object.keys(elements[site]);
      for (var start = 0; start < threads.length; start += COUNTS_PER_REQUEST) {
        var params = new URLSearchParams();
        threads.slice(start, start + COUNTS_PER_REQUEST).forEach(function (thread) { params.append("thread", thread); });
        fetch(endpoint(site, "counts", params), { credentials: "omit" })
          .then(function (response) { return response.ok ? response.json() : {}; })
          .then(function (counts) {
            Object.keys(counts).forEach(function (thread) {
              (elements[site][thread] || []).forEach(function (element) { element.textContent = countLabel(counts[thread]); });
            });
          })
          .catch(function () {});
      }
    });
  }

  // Where this origin keeps a site's reader token, and the secret of a sign-in under way.
  function tokenKey(site) {
    return "parley-token:" + site;
  }

  function handoffKey(site) {
    return "parley-signin:" + site;
  }

  // The popup, sent back to this page with a hand-off's code: redeem it with the secret this origin
  // kept, store the sign-in and tell the article's window. The code leaves the address bar at once.
  function finishHandoff(site) {
    var found = HANDOFF_FRAGMENT.exec(location.hash);
    if (!found) return Promise.resolve(null);
    history.replaceState(null, "", location.pathname + location.search);
    var secret = store.get(handoffKey(site)) || "";
    store.remove(handoffKey(site));
    return fetch(base + "/auth/handoff", {
      method: "POST", credentials: "omit", body: new URLSearchParams({ site: site, code: found[1], secret: secret })
    })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .catch(function () { return null; })
      .then(function (result) {
        if (!result || result.origin !== location.origin || !result.token) return { result: null };
        store.set(tokenKey(site), result.token);
        var channel = signInChannel(site);
        if (channel) {
          channel.postMessage(result);
          channel.close();
        }
        return { result: result };
      });
  }

  function start() {
    var host = document.getElementById("parley-comments");
    if (host && !host.shadowRoot && host.dataset.site) {
      finishHandoff(host.dataset.site).then(function (finished) { new Widget(host, finished); });
    }
    fillCounts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
