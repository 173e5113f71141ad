# ruff: noqa: E501
"""Conformance cases for httpd's expression language (ap_expr) where httpd parses it at
configuration time: <If>/<ElseIf>/<Else>, Require expr, Header expr=, SetEnvIfExpr, ..."""

from __future__ import annotations

from tests.conformance.case import Case


def if_(expr: str) -> str:
    return f'<If "{expr}">\n</If>\n'


EXPR_CASES = [
    Case("expr_regex_bad", if_("%{REQUEST_URI} =~ /(/")),
    Case("expr_regex_i_bad", if_("%{REQUEST_URI} !~ m#[#i")),
    Case("expr_end_after_and", if_("true &&")),
    Case("expr_bare_word", if_("foo")),
    Case("expr_unknown_var", if_("%{FOO} == 1")),
    Case("expr_unknown_binary", if_("%{REQUEST_URI} -foo 1")),
    Case("expr_unknown_unary", if_("-Q x")),
    Case("expr_unknown_function", if_("nofunc(1)")),
    Case("expr_unknown_function_cmp", if_("nofunc(1) == 2")),
    Case("expr_unknown_list_function", if_("1 in foo(1)")),
    Case("expr_ssl_var_without_ssl", if_("%{SSL_PROTOCOL} == 'TLSv1.3'")),
    Case("expr_ssl_var_with_ssl", "LoadModule ssl_module {moddir}/mod_ssl.so\n" + if_("%{SSL_PROTOCOL} == 'TLSv1.3' && 'x' in PeerExtList('1.2.3')")),
    Case("expr_peerextlist_without_ssl", if_("'a' in PeerExtList('a')")),
    Case("expr_octal_out_of_bound", if_("'\\\\400' == 1")),
    Case("expr_bad_escape", if_("'\\\\0123' == 1")),
    Case("expr_R_not_constant", if_("-R 127")),
    Case("expr_R_bad_subnet", if_("-R '1.2.3.4/99'")),
    Case("expr_ipmatch_bad", if_("%{REMOTE_ADDR} -IPmatch 'x'")),
    Case("expr_ipmatch_good", if_("%{REMOTE_ADDR} -ipmatch '10.0.0.0/8' || -R '::1'")),
    Case("expr_good_complex", if_("'a' in {'a', 'b'} && %{HTTP_HOST} =~ m#x#i || -n %{req:Host} && !(1 -eq 2) && $1 == $2 . 'x' . %{tolower:%{HTTP_HOST}}")),
    Case("expr_good_ssl_compat_ops", if_("1 lt 2 and 2 ge 1 or not 3 ne 3 and %{TIME_HOUR} -gt 1")),
    Case("expr_trailing_comparison", if_("1 == 2 ==")),
    Case("expr_m_underscore_regex", if_("m_a_ == 1")),
    Case("expr_unary_missing_arg", if_("-z")),
    Case("expr_unterminated_string", if_("'abc")),
    Case("expr_unterminated_var", if_("%{abc")),
    Case("expr_var_bad_char", if_("%{a-b}")),
    Case("expr_unterminated_vararg", if_("%{env:abc")),
    Case("expr_parse_error_char", if_("1 = 1 ~")),
    Case("expr_braces_alone", if_("{ 1 }")),
    Case("expr_list_trailing_comma", if_("1 in {1,}")),
    Case("expr_dash_in_digit", if_("1 -in 2")),
    Case("expr_regex_unterminated", if_("/abc")),
    Case("expr_regex_flag_other", if_("1 =~ /abc/x")),
    Case("expr_empty", '<If "">\n</If>\n'),
    Case("expr_deep_ok", if_("(" * 9995 + "true" + ")" * 9995)),
    Case("expr_deep_exhausted", if_("(" * 9996 + "true" + ")" * 9996)),
    Case("expr_many_nots", if_("!" * 12000 + "true")),
    Case("expr_long_string", if_("'" + "a" * 8191 + "' == 1")),
    Case("expr_string_too_long", if_("'" + "a" * 8192 + "' == 1")),
    Case("expr_regexp_too_long", if_("1 =~ /" + "a" * 8192 + "/")),
    Case("expr_one_megabyte", if_("1 == 1 && " * 100000 + "true")),
    Case("expr_jam_quote_in_vararg", if_("%{env:a'b} == 1")),
    Case("if_multiple_args", '<If "true" false>\n</If>\n'),
    Case("if_no_arg", "<If>\n</If>\n"),
    Case("elseif_no_arg", '<If "true">\n</If>\n<ElseIf>\n</ElseIf>\n'),
    Case("else_with_arg", '<If "true">\n</If>\n<Else "x">\n</Else>\n'),
    Case("else_alone", "<Else>\n</Else>\n"),
    Case("elseif_alone", '<ElseIf "true">\n</ElseIf>\n'),
    Case("else_twice", '<If "true">\n</If>\n<Else>\n</Else>\n<Else>\n</Else>\n'),
    Case("elseif_after_else", '<If "true">\n</If>\n<ElseIf "false">\n</ElseIf>\n<Else>\n</Else>\n<ElseIf "true">\n</ElseIf>\n'),
    Case("else_after_other_directive", '<If "true">\n</If>\nServerAdmin x\n<Else>\n</Else>\n'),
    Case("else_in_other_scope", '<If "true">\n</If>\n<Directory /x>\n<Else>\n</Else>\n</Directory>\n'),
    Case("else_nested_scopes", '<If "true">\n<If "true">\n</If>\n<Else>\n</Else>\n</If>\n<Else>\n</Else>\n'),
    Case("else_in_vhost_after_global_if", '<If "true">\n</If>\n<VirtualHost *:80>\n<Else>\n</Else>\n</VirtualHost>\n'),
    Case("else_after_if_in_location", '<Location />\n<If "-T %{HTTPS}">\n</If>\n<ElseIf "%{HTTPS} == \'on\'">\n</ElseIf>\n<Else>\n</Else>\n</Location>\n'),
    Case("if_bad_expr_before_children", '<If "(">\nFooBar\n</If>\n'),
    Case("if_children_error", '<If "true">\nFooBar\n</If>\n'),
    Case("if_in_limit", '<Location />\n<Limit GET>\n<If "true">\n</If>\n</Limit>\n</Location>\n'),
]

EXPR_DIFFERENCES = {
    "expr_jam_quote_in_vararg": (
        "httpd's expression scanner has no rule for a quote inside %{func:...}: flex prints "
        "'flex scanner jammed' and the process exits with status 2, without file or line; "
        "heartmonitor reports it as a syntax error of the directive.",
        (1, "", "AH00526: Syntax error on line 7 of {root}/httpd.conf:\nCannot parse condition clause: flex scanner jammed\n"),
    ),
}
