/*
 * Ad Platform async tag.
 *
 *   <ins class="adp-zone" data-zone="ZONE_UUID" data-width="300" data-height="250"></ins>
 *   <script async src="https://ads.example.com/static/adtag.js"></script>
 *
 * Finds every <ins data-zone> on the page, asks the serve endpoint for an ad, renders it
 * without ever injecting advertiser text as HTML (html creatives go into a sandboxed iframe),
 * fires the impression once the ad is in the page, and reports viewability (50 % of the ad
 * in view for 1 s, 2 s for video) when the server asks for it.
 *
 * Consent: before asking for ads it reads the page's CMP (IAB TCF v2 `__tcfapi`, GPP `__gpp`,
 * US Privacy `__uspapi`, each if present, waiting at most 500 ms) and passes `gdpr`,
 * `gdpr_consent`, `gpp`, `gpp_sid` and `us_privacy` with every request. The server decides
 * what it may do with them. The tag's own id (`fpid`, kept in this site's storage) is sent
 * too, and the serve request carries our cookie (credentials), which the server sets only
 * where consent allows. A page may pass its own id with `data-uid` on the script tag.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-server")) ||
    (script ? new URL(script.src, location.href).origin : location.origin);
  var UID_KEY = "adp_uid";
  var pageUid = script && script.getAttribute("data-uid");
  var CMP_TIMEOUT_MS = 500;

  function consentSignals(done) {
    var signals = {};
    var pending = 0;
    var finished = false;
    function finish() {
      if (!finished) { finished = true; done(signals); }
    }
    function waitFor(register) {
      pending++;
      try {
        register(function () { if (--pending === 0) finish(); });
      } catch (e) {
        if (--pending === 0) finish();
      }
    }
    if (typeof window.__tcfapi === "function") {
      waitFor(function (next) {
        window.__tcfapi("addEventListener", 2, function (data, ok) {
          if (!ok || !data) return next();
          if (data.eventStatus === "cmpuishown") return;  // wait for the visitor's choice
          signals.gdpr = data.gdprApplies ? "1" : "0";
          if (data.tcString) signals.gdpr_consent = data.tcString;
          if (data.listenerId !== undefined) {
            try { window.__tcfapi("removeEventListener", 2, function () {}, data.listenerId); } catch (e) {}
          }
          next();
        });
      });
    }
    if (typeof window.__gpp === "function") {
      waitFor(function (next) {
        window.__gpp("ping", function (data) {
          if (data && data.gppString) {
            signals.gpp = data.gppString;
            if (data.applicableSections) signals.gpp_sid = [].concat(data.applicableSections).join(",");
          }
          next();
        });
      });
    }
    if (typeof window.__uspapi === "function") {
      waitFor(function (next) {
        window.__uspapi("getUSPData", 1, function (data, ok) {
          if (ok && data && data.uspString) signals.us_privacy = data.uspString;
          next();
        });
      });
    }
    if (pending === 0) finish();
    else setTimeout(finish, CMP_TIMEOUT_MS);
  }

  function uid() {
    try {
      var v = localStorage.getItem(UID_KEY);
      if (!v) {
        v = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
        localStorage.setItem(UID_KEY, v);
      }
      return v;
    } catch (e) {
      return "";
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== "") node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function ping(url) {
    if (!url) return;
    var img = new Image(1, 1);
    img.referrerPolicy = "no-referrer-when-downgrade";
    img.src = url;
  }

  function link(ad) {
    return el("a", { href: ad.click_url, target: "_blank", rel: "noopener sponsored nofollow" });
  }

  var renderers = {
    banner: function (ad) {
      var a = link(ad);
      a.appendChild(el("img", {
        src: ad.image_url, width: ad.width, height: ad.height, alt: ad.headline || "Advertisement",
        style: "display:block;border:0",
      }));
      return a;
    },
    text: function (ad) {
      var box = el("div", { "class": "adp-text" });
      var a = link(ad);
      a.appendChild(el("strong", {}, ad.headline));
      box.appendChild(a);
      if (ad.body) box.appendChild(el("p", {}, ad.body));
      box.appendChild(el("small", { "class": "adp-label" }, "Ad"));
      return box;
    },
    native: function (ad) {
      var box = el("div", { "class": "adp-native" });
      var a = link(ad);
      if (ad.image_url) a.appendChild(el("img", { src: ad.image_url, alt: "", style: "max-width:100%" }));
      a.appendChild(el("strong", {}, ad.headline));
      box.appendChild(a);
      if (ad.body) box.appendChild(el("p", {}, ad.body));
      if (ad.call_to_action) {
        var cta = link(ad);
        cta.className = "adp-cta";
        cta.textContent = ad.call_to_action;
        box.appendChild(cta);
      }
      box.appendChild(el("small", { "class": "adp-label" }, ad.sponsor ? "Sponsored by " + ad.sponsor : "Sponsored"));
      return box;
    },
    html: function (ad) {
      // The creative runs in an opaque origin: no access to the publisher's page or cookies.
      var frame = el("iframe", {
        sandbox: "allow-scripts allow-popups allow-popups-to-escape-sandbox",
        width: ad.width, height: ad.height, frameborder: "0", scrolling: "no",
        title: "Advertisement", style: "border:0",
      });
      frame.srcdoc = ad.html || "";
      return frame;
    },
    video: function (ad) {
      var video = el("video", {
        src: ad.video_url, width: ad.width, height: ad.height, controls: "controls", muted: "muted",
        playsinline: "playsinline", preload: "metadata",
      });
      video.muted = true;
      video.addEventListener("click", function () { window.open(ad.click_url, "_blank", "noopener"); });
      return video;
    },
  };

  function watchViewability(node, ad) {
    if (!ad.viewable_url || !("IntersectionObserver" in window)) return;
    var needed = ad.type === "video" ? 2000 : 1000;
    var timer = null;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.intersectionRatio >= 0.5) {
          if (!timer) timer = setTimeout(function () { observer.disconnect(); ping(ad.viewable_url); }, needed);
        } else if (timer) {
          clearTimeout(timer);
          timer = null;
        }
      });
    }, { threshold: [0, 0.5, 1] });
    observer.observe(node);
  }

  function withConsent(url, signals) {
    var extra = new URLSearchParams(signals).toString();
    return extra ? url + (url.indexOf("?") < 0 ? "?" : "&") + extra : url;
  }

  function fill(slot, signals) {
    if (slot.getAttribute("data-adp-status")) return;
    slot.setAttribute("data-adp-status", "loading");
    var params = new URLSearchParams(signals);
    if (pageUid) params.set("uid", pageUid);
    var own = uid();
    if (own) params.set("fpid", own);
    ["device", "country", "region", "browser", "os"].forEach(function (k) {
      var v = slot.getAttribute("data-" + k);
      if (v) params.set(k, v);
    });
    fetch(base + "/api/v1/serve/" + encodeURIComponent(slot.getAttribute("data-zone")) + "?" + params, {
      credentials: "include",
      cache: "no-store",
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        var ad = body && body.data && body.data.ad;
        var render = ad && renderers[ad.type];
        if (!render) {
          slot.setAttribute("data-adp-status", "empty");
          return;
        }
        var node = render(ad);
        slot.textContent = "";
        slot.style.display = "inline-block";
        slot.appendChild(node);
        slot.setAttribute("data-adp-status", "filled");
        slot.setAttribute("data-adp-ad", ad.uuid);
        ping(withConsent(ad.impression_url, signals));
        watchViewability(slot, ad);
      })
      .catch(function () { slot.setAttribute("data-adp-status", "error"); });
  }

  function scan() {
    consentSignals(function (signals) {
      var slots = document.querySelectorAll("ins[data-zone]");
      for (var i = 0; i < slots.length; i++) fill(slots[i], signals);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  window.adplatform = { refresh: scan };
})();
