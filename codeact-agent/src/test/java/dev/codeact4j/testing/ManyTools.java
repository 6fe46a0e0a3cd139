package dev.codeact4j.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact4j.tools.Tool;
import dev.codeact4j.tools.Tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sixty Java tools in six groups, described as real services describe theirs (a sentence or two on what the tool
 * does, and each parameter), for the tests of tool search: too many to list in full within the default budget.
 * Each answers {@code "NAME(ARGUMENTS)"}, except {@code convert_currency}, which really converts at fixed rates.
 */
public final class ManyTools {
    /** Euros per unit of each currency convert_currency knows. */
    private static final java.util.Map<String, Double> EUROS = java.util.Map.of("EUR", 1.0, "USD", 0.8, "GBP", 1.25, "JPY", 0.0064);

    private ManyTools() {
    }

    /** {group, name, description, then parameters as "name:type:description", a trailing ? marking optional ones}. */
    private static final String[][] TOOLS = {
            {"crm", "create_contact", "Create a new contact in the CRM with a name, an email address and an optional company. Returns the new contact's id.",
                    "name:string:the contact's full name", "email:string:the contact's email address", "company:string:the company the contact works for?"},
            {"crm", "find_contacts", "Search the CRM's contacts by name, email or company; returns matching contacts with their ids and last activity.",
                    "query:string:words to look for in names, emails and companies", "limit:integer:how many contacts at most?"},
            {"crm", "update_contact", "Change fields of an existing contact (name, email, phone, company or owner).",
                    "contact_id:string:the contact's id", "fields:object:the fields to change and their new values"},
            {"crm", "delete_contact", "Delete a contact and its activity history from the CRM. This cannot be undone.",
                    "contact_id:string:the contact's id"},
            {"crm", "log_activity", "Record a call, meeting or note against a contact, with a date and a summary.",
                    "contact_id:string:the contact's id", "kind:string:call, meeting or note", "summary:string:what happened"},
            {"crm", "list_deals", "List the open sales deals of the pipeline with their stage, amount and expected close date.",
                    "stage:string:only deals in this stage?", "owner:string:only deals of this sales rep?"},
            {"crm", "create_deal", "Open a new sales deal for a contact with an amount and a pipeline stage.",
                    "contact_id:string:the contact's id", "amount:number:the deal's value", "stage:string:the pipeline stage"},
            {"crm", "move_deal_stage", "Move a sales deal to another stage of the pipeline, such as negotiation or won.",
                    "deal_id:string:the deal's id", "stage:string:the new stage"},
            {"crm", "assign_owner", "Assign a contact or a deal to a sales representative.",
                    "record_id:string:the contact's or deal's id", "owner:string:the sales rep's user name"},
            {"crm", "merge_contacts", "Merge two duplicate contacts into one, keeping the activity of both.",
                    "keep_id:string:the contact that stays", "merge_id:string:the duplicate that is merged into it"},

            {"billing", "create_invoice", "Create an invoice for a customer with line items; it starts as a draft until sent.",
                    "customer_id:string:the customer's id", "items:array:the line items, each with description, quantity and unit price"},
            {"billing", "send_invoice", "Email a draft invoice to the customer and mark it as sent.",
                    "invoice_id:string:the invoice's id"},
            {"billing", "list_invoices", "List invoices, optionally only those that are unpaid or overdue.",
                    "status:string:draft, sent, paid or overdue?", "customer_id:string:only this customer's invoices?"},
            {"billing", "record_payment", "Record a payment received against an invoice, by card, bank transfer or cash.",
                    "invoice_id:string:the invoice's id", "amount:number:the amount paid", "method:string:card, transfer or cash"},
            {"billing", "refund_payment", "Refund all or part of a payment to the customer's original payment method.",
                    "payment_id:string:the payment's id", "amount:number:how much to refund, all of it when not given?"},
            {"billing", "convert_currency", "Convert an amount of money from one currency to another at today's exchange rate.",
                    "amount:number:the amount to convert", "from_currency:string:ISO code of the currency it is in, such as EUR",
                    "to_currency:string:ISO code of the currency wanted, such as USD"},
            {"billing", "apply_discount", "Apply a percentage or fixed discount code to a draft invoice.",
                    "invoice_id:string:the invoice's id", "code:string:the discount code"},
            {"billing", "tax_rate", "Look up the sales tax or VAT rate that applies to a country and region.",
                    "country:string:ISO country code", "region:string:state or province?"},
            {"billing", "subscription_status", "Show a customer's subscription plan, renewal date and whether it is active, past due or cancelled.",
                    "customer_id:string:the customer's id"},
            {"billing", "cancel_subscription", "Cancel a customer's subscription at the end of the current period, or at once.",
                    "customer_id:string:the customer's id", "immediately:boolean:end it now rather than at the period's end?"},

            {"calendar", "create_event", "Schedule a calendar event with a title, start and end time, and optional attendees.",
                    "title:string:the event's title", "start:string:ISO date and time", "end:string:ISO date and time",
                    "attendees:array:email addresses to invite?"},
            {"calendar", "list_events", "List calendar events between two dates.",
                    "from_date:string:ISO date", "to_date:string:ISO date"},
            {"calendar", "cancel_event", "Cancel a calendar event and notify its attendees.",
                    "event_id:string:the event's id"},
            {"calendar", "find_free_slot", "Find the earliest time when all the given people are free for a meeting of some length.",
                    "attendees:array:email addresses", "minutes:integer:the meeting's length"},
            {"calendar", "reschedule_event", "Move a calendar event to a new start time, keeping its length.",
                    "event_id:string:the event's id", "start:string:the new ISO date and time"},
            {"calendar", "set_reminder", "Set a reminder notification some minutes before an event.",
                    "event_id:string:the event's id", "minutes_before:integer:how long before"},
            {"calendar", "book_room", "Book a meeting room for a time slot, by room name or capacity.",
                    "start:string:ISO date and time", "end:string:ISO date and time", "capacity:integer:people it must hold?"},
            {"calendar", "time_zone_convert", "Convert a date and time from one time zone to another, such as Europe/Paris to America/New_York.",
                    "datetime:string:ISO date and time", "from_zone:string:IANA zone", "to_zone:string:IANA zone"},
            {"calendar", "public_holidays", "List the public holidays of a country in a year.",
                    "country:string:ISO country code", "year:integer:the year"},
            {"calendar", "out_of_office", "Turn the automatic out-of-office reply on or off, with a message and dates.",
                    "enabled:boolean:on or off", "message:string:the reply's text?"},

            {"files", "read_text_file", "Read the complete contents of a text file from the shared drive.",
                    "path:string:the file's path"},
            {"files", "write_text_file", "Create or overwrite a text file on the shared drive with new content.",
                    "path:string:the file's path", "content:string:the text to write"},
            {"files", "list_directory", "List the files and folders in a directory of the shared drive, with their sizes.",
                    "path:string:the directory's path"},
            {"files", "move_file", "Move or rename a file or folder on the shared drive.",
                    "source:string:where it is", "destination:string:where it goes"},
            {"files", "delete_file", "Delete a file from the shared drive; it goes to the trash for 30 days.",
                    "path:string:the file's path"},
            {"files", "search_files", "Search the shared drive for files whose names match a glob pattern, such as *.csv.",
                    "pattern:string:the glob pattern", "path:string:where to start?"},
            {"files", "file_info", "Get a file's size, owner, and creation and modification times.",
                    "path:string:the file's path"},
            {"files", "share_file", "Share a file with a colleague, with view or edit rights.",
                    "path:string:the file's path", "email:string:who to share with", "role:string:view or edit"},
            {"files", "zip_files", "Pack several files into one zip archive.",
                    "paths:array:the files to pack", "archive:string:the archive's path"},
            {"files", "file_history", "List the earlier versions of a file and who changed it when.",
                    "path:string:the file's path"},

            {"support", "create_ticket", "Open a support ticket for a customer's problem, with a subject, a description and a priority.",
                    "subject:string:a short summary", "description:string:the problem in detail", "priority:string:low, normal, high or urgent"},
            {"support", "list_tickets", "List support tickets by status, such as open, pending or solved.",
                    "status:string:the status?", "assignee:string:only those of this agent?"},
            {"support", "reply_to_ticket", "Post a public reply to the customer on a support ticket.",
                    "ticket_id:string:the ticket's id", "message:string:the reply"},
            {"support", "close_ticket", "Mark a support ticket as solved and close it.",
                    "ticket_id:string:the ticket's id"},
            {"support", "escalate_ticket", "Escalate a support ticket to the second-level team with a reason.",
                    "ticket_id:string:the ticket's id", "reason:string:why"},
            {"support", "search_knowledge_base", "Search the help center's articles for an answer to a customer's question.",
                    "query:string:the question"},
            {"support", "customer_satisfaction", "Get the satisfaction ratings customers gave to solved tickets over a period.",
                    "from_date:string:ISO date", "to_date:string:ISO date"},
            {"support", "add_internal_note", "Add a private note to a ticket that only agents can see.",
                    "ticket_id:string:the ticket's id", "note:string:the note"},
            {"support", "merge_tickets", "Merge a duplicate ticket into another about the same problem.",
                    "ticket_id:string:the ticket that stays", "duplicate_id:string:the duplicate"},
            {"support", "ticket_sla", "Show how long until a ticket breaches its service level agreement for first reply and resolution.",
                    "ticket_id:string:the ticket's id"},

            {"inventory", "stock_level", "Get how many units of a product are in stock in each warehouse.",
                    "sku:string:the product's SKU"},
            {"inventory", "adjust_stock", "Add or remove units of a product in a warehouse after a count, a return or damage.",
                    "sku:string:the product's SKU", "warehouse:string:the warehouse's code", "delta:integer:units to add (negative to remove)"},
            {"inventory", "create_purchase_order", "Order more units of a product from its supplier.",
                    "sku:string:the product's SKU", "quantity:integer:how many units"},
            {"inventory", "list_low_stock", "List the products whose stock has fallen below their reorder point.",
                    "warehouse:string:only this warehouse?"},
            {"inventory", "transfer_stock", "Move units of a product from one warehouse to another.",
                    "sku:string:the product's SKU", "from_warehouse:string:where they are", "to_warehouse:string:where they go",
                    "quantity:integer:how many"},
            {"inventory", "product_details", "Get a product's name, price, weight, dimensions and supplier.",
                    "sku:string:the product's SKU"},
            {"inventory", "ship_order", "Create a shipment for a customer order with a carrier and get its tracking number.",
                    "order_id:string:the order's id", "carrier:string:ups, dhl or fedex"},
            {"inventory", "track_shipment", "Get the delivery status and location of a shipment by its tracking number.",
                    "tracking_number:string:the carrier's tracking number"},
            {"inventory", "return_request", "Register a customer's return of items from an order and print a return label.",
                    "order_id:string:the order's id", "items:array:the SKUs returned"},
            {"inventory", "warehouse_capacity", "Show how full each warehouse is, in pallets used and free.",
                    "warehouse:string:only this warehouse?"},
    };

    /** The sixty tools, in six groups of ten: crm, billing, calendar, files, support, inventory. */
    public static Tools all() {
        List<Tool> tools = new ArrayList<>();
        for (String[] row : TOOLS) {
            Tool.Builder tool = Tool.builder(row[1]).group(row[0]).description(row[2]);
            for (int i = 3; i < row.length; i++) {
                String[] parameter = row[i].split(":", 3);
                boolean optional = parameter[2].endsWith("?");
                String description = optional ? parameter[2].substring(0, parameter[2].length() - 1) : parameter[2];
                if (optional) {
                    tool.optionalParameter(parameter[0], parameter[1], description, null);
                } else {
                    tool.parameter(parameter[0], parameter[1], description);
                }
            }
            String name = row[1];
            tool.function(arguments -> name.equals("convert_currency") ? convert(arguments)
                    : name + "(" + arguments + ")");
            tools.add(tool.build());
        }
        return Tools.of(tools);
    }

    private static Object convert(com.fasterxml.jackson.databind.JsonNode arguments) {
        double euros = arguments.path("amount").asDouble() * rate(arguments.path("from_currency").asText());
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("amount", Math.round(euros / rate(arguments.path("to_currency").asText()) * 100) / 100.0);
        result.put("currency", arguments.path("to_currency").asText().toUpperCase(Locale.ROOT));
        return result;
    }

    private static double rate(String currency) {
        Double rate = EUROS.get(currency.toUpperCase(Locale.ROOT));
        if (rate == null) {
            throw new IllegalArgumentException("unknown currency " + currency + "; known: " + EUROS.keySet());
        }
        return rate;
    }
}
