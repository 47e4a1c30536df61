/*
 * The CSTR hub console: a few views over the hub's JSON API. Signing in exchanges the user's id
 * and secret, once, for a session cookie the page cannot read (HttpOnly); the secret is kept
 * nowhere. State-changing calls carry the session's CSRF token, held in memory only. Every text
 * from the hub is set with textContent, never as HTML.
 */
(function () {
  'use strict';
  var DAY_MS = 86400000;
  var EXPIRY_WARNING_DAYS = 60;
  var session = null;
  var csrfToken = null;
  var lastFlows = [];
  var auditNext = null;

  function $(id) {
    return document.getElementById(id);
  }

  function setStatus(text, isError) {
    var status = $('status');
    status.textContent = text || '';
    status.className = 'status' + (isError ? ' error' : '');
  }

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }
  function nextDay(day) {
    return isoDay(new Date(Date.parse(day + 'T00:00:00Z') + DAY_MS));
  }
  function when(iso) {
    return iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London' }) : '';
  }

  /** The hub's OperationOutcome as one line. */
  function outcomeText(body, status) {
    var issues = body && Array.isArray(body.issue) ? body.issue : [];
    var text = issues
      .map(function (issue) {
        return issue.diagnostics || issue.code;
      })
      .join(' ');
    return text || 'The hub answered ' + status + '.';
  }

  /**
   * Calls the hub with the session cookie: { status, body }. State-changing calls carry the CSRF
   * token; the X-Requested-With header tells the hub never to answer with a Basic challenge.
   * A 401 ends the session.
   */
  function api(path, options) {
    var method = (options && options.method) || 'GET';
    var headers = { Accept: 'application/json', 'X-Requested-With': 'cstr-console' };
    if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
    var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (options && options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.json);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch (error) {
          body = null;
        }
        if (response.status === 401 && path !== '/console/session') {
          endSession('Your session has ended: sign in again.');
        }
        return { status: response.status, body: body };
      });
    });
  }

  function hasRole(roles) {
    return (
      session !== null &&
      session.roles.some(function (role) {
        return roles.indexOf(role) >= 0;
      })
    );
  }

  function allowedViews() {
    return Array.prototype.filter
      .call(document.querySelectorAll('#nav li'), function (item) {
        return hasRole(item.getAttribute('data-roles').split(' '));
      })
      .map(function (item) {
        return item.querySelector('a').getAttribute('href').slice(1);
      });
  }

  function show(viewId) {
    document.querySelectorAll('.view').forEach(function (view) {
      view.hidden = view.id !== 'view-' + viewId;
    });
  }

  /** Shows the view of the location hash (the first allowed one by default). */
  function route() {
    if (!session) return;
    var allowed = allowedViews();
    var wanted = location.hash.slice(1);
    var view = allowed.indexOf(wanted) >= 0 ? wanted : allowed[0];
    document.querySelectorAll('#nav a').forEach(function (link) {
      if (link.getAttribute('href') === '#' + view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
    show(view);
    setStatus('');
    var heading = document.querySelector('#view-' + view + ' h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
    if (view === 'flows') loadFlows();
    if (view === 'agreements') loadAgreements();
    if (view === 'dead-letters') loadDeadLetters();
  }

  // --- sign in and out ---------------------------------------------------------------------

  function signIn(event) {
    event.preventDefault();
    var id = $('login-id').value.trim();
    var secret = $('login-secret').value;
    $('login-error').textContent = '';
    $('login-secret').value = '';
    api('/console/session', { method: 'POST', json: { id: id, secret: secret } }).then(
      function (answer) {
        if (answer.status === 200) {
          beginSession(answer.body);
          return;
        }
        if (answer.status === 403 && answer.body && /partner/i.test(outcomeText(answer.body, 403))) {
          show('refused');
          $('refused-back').focus();
          return;
        }
        show('login');
        $('login-error').textContent =
          answer.status === 401
            ? 'That user id and secret were not accepted.'
            : outcomeText(answer.body, answer.status);
        $('login-id').focus();
      },
      function () {
        show('login');
        $('login-error').textContent = 'The hub could not be reached.';
      },
    );
  }

  /** Asks the hub whether this browser has a live session (after a reload). */
  function startSession() {
    api('/console/session').then(
      function (answer) {
        if (answer.status === 200) {
          beginSession(answer.body);
          return;
        }
        show('login');
        $('login-id').focus();
      },
      function () {
        show('login');
        $('login-error').textContent = 'The hub could not be reached.';
      },
    );
  }

  function beginSession(body) {
    session = { id: body.id, roles: body.roles };
    csrfToken = body.csrfToken;
    $('who').textContent = 'Signed in as ' + session.id + ' (' + session.roles.join(', ') + ')';
    $('who').hidden = false;
    $('logout').hidden = false;
    $('nav').hidden = false;
    document.querySelectorAll('#nav li').forEach(function (item) {
      item.hidden = !hasRole(item.getAttribute('data-roles').split(' '));
    });
    route();
  }

  /** Forgets the session in the page and shows the sign-in form. */
  function endSession(message) {
    session = null;
    csrfToken = null;
    $('who').hidden = true;
    $('logout').hidden = true;
    $('nav').hidden = true;
    show('login');
    $('login-error').textContent = message || '';
    $('login-id').focus();
  }

  /** Signs out: the hub ends the session (its cookie is then worthless), then the page forgets it. */
  function signOut() {
    api('/console/session', { method: 'DELETE' }).then(
      function (answer) {
        endSession(answer.status === 204 ? 'Signed out.' : outcomeText(answer.body, answer.status));
      },
      function () {
        endSession('The hub could not be reached: the session ends by itself when idle.');
      },
    );
  }

  // --- flow map ------------------------------------------------------------------------------

  function loadFlows(event) {
    if (event) event.preventDefault();
    var from = $('flows-from').value;
    var to = $('flows-to').value;
    api('/audit/flows?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(nextDay(to))).then(
      function (answer) {
        if (answer.status !== 200) {
          setStatus(outcomeText(answer.body, answer.status), true);
          return;
        }
        lastFlows = answer.body.flows;
        var select = $('flows-event');
        var chosen = select.value;
        var types = Array.from(
          new Set(
            lastFlows.map(function (flow) {
              return flow.eventType;
            }),
          ),
        ).sort();
        select.textContent = '';
        [''].concat(types).forEach(function (type) {
          var option = document.createElement('option');
          option.value = type;
          option.textContent = type || 'All event types';
          select.appendChild(option);
        });
        select.value = types.indexOf(chosen) >= 0 ? chosen : '';
        drawFlows();
      },
    );
  }

  function drawFlows() {
    var type = $('flows-event').value;
    var period = $('flows-from').value + ' to ' + $('flows-to').value;
    window.CstrFlowMap.draw($('flow-map'), lastFlows, type, period);
    var body = document.querySelector('#flows-table tbody');
    body.textContent = '';
    lastFlows
      .filter(function (flow) {
        return !type || flow.eventType === type;
      })
      .forEach(function (flow) {
        var row = document.createElement('tr');
        cell(row, flow.sender);
        cell(row, flow.recipient);
        cell(row, flow.eventType);
        cell(row, flow.delivered, 'num');
        cell(row, flow.refused, 'num');
        cell(row, flow.kept || 0, 'num');
        body.appendChild(row);
      });
    setStatus(lastFlows.length + ' flows from ' + period + '.');
  }

  // --- audit search --------------------------------------------------------------------------

  function auditQuery() {
    var params = new URLSearchParams();
    ['person', 'partner', 'event', 'outcome', 'kind'].forEach(function (name) {
      var value = $('audit-' + name).value.trim();
      if (value) params.set(name, value);
    });
    if ($('audit-from').value) params.set('from', $('audit-from').value);
    if ($('audit-to').value) params.set('to', nextDay($('audit-to').value));
    params.set('limit', '50');
    return params;
  }

  function searchAudit(event, after) {
    if (event) event.preventDefault();
    var params = auditQuery();
    if (after) params.set('after', after);
    api('/audit?' + params.toString()).then(function (answer) {
      if (answer.status !== 200) {
        setStatus(outcomeText(answer.body, answer.status), true);
        return;
      }
      var body = document.querySelector('#audit-table tbody');
      if (!after) body.textContent = '';
      var entries = answer.body.entry || [];
      entries.forEach(function (entry) {
        body.appendChild(auditRow(entry.resource));
      });
      var next = (answer.body.link || []).filter(function (link) {
        return link.relation === 'next';
      })[0];
      auditNext = next ? new URLSearchParams(next.url.split('?')[1] || '').get('after') : null;
      $('audit-more').hidden = !auditNext;
      $('audit-table').hidden = false;
      var count = body.children.length;
      setStatus(
        count === 0 ? 'No audit records match.' : count + ' audit record' + (count === 1 ? '' : 's') + ' shown.',
      );
    });
  }

  function detail(resource, type) {
    var entity = (resource.entity || [])[0] || {};
    return (entity.detail || [])
      .filter(function (each) {
        return each.type === type;
      })
      .map(function (each) {
        return each.valueString;
      });
  }

  function party(resource, code) {
    var agent = (resource.agent || []).filter(function (each) {
      return ((each.type && each.type.coding) || []).some(function (coding) {
        return coding.code === code;
      });
    })[0];
    return agent && agent.who
      ? agent.who.display || (agent.who.identifier && agent.who.identifier.value) || agent.who.reference || ''
      : '';
  }

  function auditRow(resource) {
    var row = document.createElement('tr');
    var eventType = (resource.subtype || [])
      .map(function (coding) {
        return coding.code;
      })
      .join(', ');
    cell(row, when(resource.recorded));
    cell(row, eventType);
    cell(row, party(resource, '110153'));
    cell(row, party(resource, '110152'));
    var outcomeLabel = outcomeOf(resource);
    cell(row, outcomeLabel, 'outcome-' + outcomeLabel);
    var action = document.createElement('td');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button-secondary';
    button.textContent = 'Why?';
    button.setAttribute('aria-label', 'Why: ' + outcomeLabel + ' ' + eventType + ' at ' + when(resource.recorded));
    button.addEventListener('click', function () {
      openReason(resource, outcomeLabel, button);
    });
    action.appendChild(button);
    row.appendChild(action);
    return row;
  }

  /** delivered / refused / read / kept / performed / dead-lettered, from the AuditEvent's outcome (0, 4, 8) and type (Query: read, Import: kept by the hub, Application Activity: an operator's act). */
  function outcomeOf(resource) {
    if (resource.outcome === '8') return 'dead-lettered';
    if (resource.outcome === '4') return 'refused';
    var type = resource.type && resource.type.code;
    if (type === '110112') return 'read';
    if (type === '110107') return 'kept';
    if (type === '110100') return 'performed';
    return 'delivered';
  }

  function openReason(resource, outcomeLabel, opener) {
    var list = $('reason-list');
    list.textContent = '';
    var rows = [
      ['Outcome', outcomeLabel],
      ['Recorded', when(resource.recorded)],
      [
        'Event type',
        (resource.subtype || [])
          .map(function (coding) {
            return coding.code;
          })
          .join(', '),
      ],
      ['Sender', party(resource, '110153')],
      ['Recipient', party(resource, '110152')],
      ['Agreement', detail(resource, 'agreement').join(', ')],
      ['Flow', detail(resource, 'flow').join(', ')],
      ['Refusing rule', detail(resource, 'refusing-rule').join(', ')],
      ['Legal basis', detail(resource, 'legal-basis').map(legalBasisText).join(', ')],
      [
        'Elements removed',
        detail(resource, 'removed-element').join(', ') || (outcomeLabel === 'delivered' ? 'none' : ''),
      ],
      ['Why', resource.outcomeDesc || detail(resource, 'reason').join(' ')],
      ['Audit record', detail(resource, 'audit-seq').join('')],
    ];
    rows.forEach(function (pair) {
      if (!pair[1]) return;
      var dt = document.createElement('dt');
      dt.textContent = pair[0];
      var dd = document.createElement('dd');
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    var dialog = $('reason-dialog');
    dialog.returnFocusTo = opener;
    dialog.showModal();
    $('reason-close').focus();
  }

  function legalBasisText(json) {
    try {
      var basis = JSON.parse(json);
      return Object.keys(basis)
        .map(function (key) {
          return key + ' ' + basis[key];
        })
        .join('; ');
    } catch (error) {
      return json;
    }
  }

  // --- chain ---------------------------------------------------------------------------------

  function verifyChain() {
    var result = $('chain-result');
    result.className = 'panel';
    result.textContent = 'Verifying…';
    api('/audit/verify').then(function (answer) {
      if (answer.status !== 200) {
        result.className = 'panel bad';
        result.textContent = outcomeText(answer.body, answer.status);
        return;
      }
      var v = answer.body;
      result.className = 'panel ' + (v.ok ? 'ok' : 'bad');
      result.textContent = v.ok
        ? 'Intact: ' + v.checked + ' records checked, head at ' + v.headSeq + ' (verified ' + when(v.verifiedAt) + ').'
        : 'Broken at record ' +
          v.firstBroken.seq +
          ': ' +
          v.firstBroken.reason +
          (v.firstBroken.detail ? ' — ' + v.firstBroken.detail : '') +
          ' (' +
          v.checked +
          ' checked).';
    });
  }

  // --- agreements ----------------------------------------------------------------------------

  function selector(party) {
    return [party.kind ? 'kind ' + party.kind : '', party.id ? party.id : ''].filter(Boolean).join(' ');
  }

  function loadAgreements() {
    api('/agreements').then(function (answer) {
      var list = $('agreements-list');
      list.textContent = '';
      if (answer.status !== 200) {
        setStatus(outcomeText(answer.body, answer.status), true);
        return;
      }
      answer.body.agreements.forEach(function (agreement) {
        var box = document.createElement('article');
        box.className = 'agreement';
        var heading = document.createElement('h2');
        heading.textContent =
          agreement.id + ' v' + agreement.version + (agreement.title ? ' — ' + agreement.title : '');
        box.appendChild(heading);
        var facts = document.createElement('p');
        facts.textContent =
          'Status ' +
          agreement.status +
          (agreement.inForce ? ', in force' : ', not in force') +
          '; period ' +
          agreement.period.start +
          ' to ' +
          (agreement.period.end || 'open-ended') +
          '. ';
        if (agreement.daysToExpiry !== null && agreement.daysToExpiry < 0) {
          var expired = document.createElement('span');
          expired.className = 'expired';
          expired.textContent = 'Expired ' + -agreement.daysToExpiry + ' days ago';
          facts.appendChild(expired);
        } else if (agreement.daysToExpiry !== null && agreement.daysToExpiry <= EXPIRY_WARNING_DAYS) {
          var warning = document.createElement('span');
          warning.className = 'warning';
          warning.textContent = 'Expires in ' + agreement.daysToExpiry + ' days';
          facts.appendChild(warning);
        }
        box.appendChild(facts);
        var basis = document.createElement('p');
        basis.textContent =
          'Legal basis: ' +
          Object.keys(agreement.legalBasis || {})
            .map(function (key) {
              return key + ' ' + agreement.legalBasis[key];
            })
            .join('; ');
        box.appendChild(basis);
        var table = document.createElement('table');
        table.className = 'table';
        var caption = document.createElement('caption');
        caption.textContent = 'Flows of ' + agreement.id;
        table.appendChild(caption);
        var head = document.createElement('tr');
        ['Flow', 'Events', 'From', 'To', 'Consent', 'Purpose'].forEach(function (name) {
          var th = document.createElement('th');
          th.scope = 'col';
          th.textContent = name;
          head.appendChild(th);
        });
        var thead = document.createElement('thead');
        thead.appendChild(head);
        table.appendChild(thead);
        var tbody = document.createElement('tbody');
        agreement.flows.forEach(function (flow) {
          var row = document.createElement('tr');
          cell(row, flow.id);
          cell(row, flow.events.join(', '));
          cell(row, selector(flow.from));
          cell(row, selector(flow.to));
          cell(row, flow.consent);
          cell(row, flow.purpose);
          tbody.appendChild(row);
        });
        table.appendChild(tbody);
        box.appendChild(table);
        list.appendChild(box);
      });
      setStatus(answer.body.agreements.length + ' agreements.');
    });
  }

  // --- dead letters --------------------------------------------------------------------------

  function loadDeadLetters(event) {
    if (event) event.preventDefault();
    var replayed = $('dead-letters-replayed').value;
    api('/dead-letters?limit=100' + (replayed ? '&replayed=' + replayed : '')).then(function (answer) {
      var body = document.querySelector('#dead-letters-table tbody');
      body.textContent = '';
      if (answer.status !== 200) {
        setStatus(outcomeText(answer.body, answer.status), true);
        return;
      }
      answer.body.deadLetters.forEach(function (letter) {
        var row = document.createElement('tr');
        row.setAttribute('data-dead-letter', letter.id);
        cell(row, letter.id);
        cell(row, when(letter.receivedAt));
        cell(row, letter.eventType);
        cell(row, letter.eventId);
        cell(row, (letter.failureCode || '') + (letter.failureReason ? ': ' + letter.failureReason : ''));
        cell(row, letter.attempts);
        var status = cell(
          row,
          letter.replayedAt ? 'Replayed ' + when(letter.replayedAt) + ' by ' + letter.replayedBy : 'Waiting',
        );
        status.setAttribute('aria-live', 'polite');
        var action = document.createElement('td');
        if (!letter.replayedAt) {
          var button = document.createElement('button');
          button.type = 'button';
          button.textContent = 'Replay';
          button.setAttribute(
            'aria-label',
            'Replay dead letter ' + letter.id + ' (' + (letter.eventType || 'unknown type') + ')',
          );
          button.addEventListener('click', function () {
            replay(letter, button, status);
          });
          action.appendChild(button);
        }
        row.appendChild(action);
        body.appendChild(row);
      });
      setStatus(answer.body.deadLetters.length + ' dead letters.');
    });
  }

  function replay(letter, button, status) {
    button.disabled = true;
    api('/dead-letters/' + encodeURIComponent(letter.id) + '/replay', { method: 'POST' }).then(function (answer) {
      if (answer.status !== 202) {
        status.textContent = outcomeText(answer.body, answer.status);
        button.disabled = false;
        return;
      }
      status.textContent = 'Replayed; waiting for the hub…';
      if (letter.eventId) followReplay(letter.eventId, status, 0);
    });
  }

  /**
   * Follows a replay until the hub has dealt with the event again (30 s at most): its delivery
   * decisions, or a new dead letter of the same event when it failed again.
   */
  function followReplay(eventId, status, tries) {
    Promise.all([
      api('/console/events/' + encodeURIComponent(eventId) + '/decisions'),
      api('/dead-letters?replayed=false&event=' + encodeURIComponent(eventId)),
    ]).then(function (answers) {
      var decisions = answers[0].status === 200 ? answers[0].body.decisions : [];
      var again = answers[1].status === 200 ? answers[1].body.deadLetters : [];
      if (decisions.length > 0) {
        var delivered = decisions
          .filter(function (d) {
            return d.outcome === 'delivered';
          })
          .map(function (d) {
            return d.recipient;
          });
        var refused = decisions
          .filter(function (d) {
            return d.outcome === 'refused';
          })
          .map(function (d) {
            return d.recipient + (d.rule ? ' (' + d.rule + ')' : '');
          });
        status.textContent =
          [
            delivered.length ? 'Delivered to ' + delivered.join(', ') : '',
            refused.length ? 'Refused for ' + refused.join(', ') : '',
          ]
            .filter(Boolean)
            .join('; ') + '.';
        status.className = delivered.length ? 'outcome-delivered' : 'outcome-refused';
        return;
      }
      if (again.length > 0) {
        status.textContent =
          'Failed again: ' +
          (again[0].failureCode || 'no code') +
          (again[0].failureReason ? ' — ' + again[0].failureReason : '') +
          ' (new dead letter ' +
          again[0].id +
          ').';
        status.className = 'outcome-refused';
        return;
      }
      if (tries >= 30) {
        status.textContent = 'Replayed; no outcome yet.';
        return;
      }
      setTimeout(function () {
        followReplay(eventId, status, tries + 1);
      }, 1000);
    });
  }

  // --- timeline ------------------------------------------------------------------------------

  function loadTimeline(event) {
    event.preventDefault();
    var identifier = $('timeline-identifier').value.trim();
    var message = $('timeline-message');
    var table = $('timeline-table');
    api('/people/' + encodeURIComponent(identifier) + '/timeline').then(function (answer) {
      table.hidden = true;
      message.hidden = false;
      message.className = 'panel';
      if (answer.status === 404) {
        message.className = 'panel bad';
        message.textContent =
          'No timeline: the hub knows no person with this identifier, or does not serve timelines yet (404).';
        return;
      }
      if (answer.status !== 200) {
        message.className = 'panel bad';
        message.textContent = outcomeText(answer.body, answer.status);
        return;
      }
      var entries = Array.isArray(answer.body) ? answer.body : answer.body.entries || [];
      var body = table.querySelector('tbody');
      body.textContent = '';
      entries.forEach(function (entry) {
        var row = document.createElement('tr');
        cell(row, when(entry.time));
        cell(row, entry.kind);
        cell(row, entry.eventType);
        cell(row, entry.sender);
        cell(row, entry.recipient);
        cell(row, entry.decision, entry.decision ? 'outcome-' + entry.decision : '');
        cell(row, [entry.agreement, entry.flow].filter(Boolean).join(' / '));
        cell(row, entry.rule);
        body.appendChild(row);
      });
      message.textContent = entries.length + ' entries.';
      table.hidden = false;
    });
  }

  // --- start ---------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', function () {
    var today = new Date();
    $('flows-to').value = isoDay(today);
    $('flows-from').value = isoDay(new Date(today.getTime() - 30 * DAY_MS));
    $('login-form').addEventListener('submit', signIn);
    $('logout').addEventListener('click', signOut);
    $('refused-back').addEventListener('click', function () {
      show('login');
      $('login-id').focus();
    });
    $('flows-form').addEventListener('submit', loadFlows);
    $('flows-event').addEventListener('change', drawFlows);
    $('audit-form').addEventListener('submit', function (event) {
      searchAudit(event, null);
    });
    $('audit-more').addEventListener('click', function () {
      searchAudit(null, auditNext);
    });
    $('reason-close').addEventListener('click', function () {
      $('reason-dialog').close();
    });
    $('reason-dialog').addEventListener('close', function () {
      var back = $('reason-dialog').returnFocusTo;
      if (back) back.focus();
    });
    $('chain-verify').addEventListener('click', verifyChain);
    $('dead-letters-form').addEventListener('submit', loadDeadLetters);
    $('timeline-form').addEventListener('submit', loadTimeline);
    window.addEventListener('hashchange', route);
    startSession();
  });
})();
